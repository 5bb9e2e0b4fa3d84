import assert from "node:assert/strict";
import {
  decodeProxyHeader,
  encodeLocalHeader,
  encodeProxyHeader,
  type ProxyHeaderRead,
  ProxyProtocolError,
  readProxyHeader,
} from "../../lib/net/proxy_protocol.ts";
import { ProtocolError } from "../../lib/net/protocol_error.ts";
import { concat, decoder, encoder } from "../_support/bytes.ts";
import { closeQuietly, readAll, writeAll } from "../_support/io.ts";

const SIGNATURE = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];

function v2(head: number[], ...block: number[]): Uint8Array {
  return new Uint8Array([...SIGNATURE, ...head, ...block]);
}

/** A v2 PROXY TCP4 block: 198.51.100.9:40000 → 192.0.2.1:80, then `extra`. */
function v2Tcp4(extra: number[] = [], length = 12 + extra.length): Uint8Array {
  return v2(
    [0x21, 0x11, length >> 8, length & 0xff],
    ...[198, 51, 100, 9, 192, 0, 2, 1, 0x9c, 0x40, 0x00, 0x50],
    ...extra,
  );
}

/** Sends `parts` over a real loopback connection, half-closes, reads the header back. */
async function readOver(
  parts: (Uint8Array | string)[],
  initial?: Uint8Array,
): Promise<ProxyHeaderRead & { after: string }> {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  const server = await listener.accept();
  try {
    for (const part of parts) await writeAll(client, part);
    await client.closeWrite();
    const read = await readProxyHeader(server, { initial });
    return { ...read, after: decoder.decode(concat(read.rest, await readAll(server))) };
  } finally {
    closeQuietly(client);
    closeQuietly(server);
  }
}

Deno.test("encodeProxyHeader() v1: TCP4, TCP6 in canonical form, UNKNOWN otherwise", () => {
  const text = (bytes: Uint8Array) => decoder.decode(bytes);
  assert.equal(
    text(encodeProxyHeader("v1", { hostname: "203.0.113.7", port: 51000 }, {
      hostname: "192.0.2.1",
      port: 443,
    })),
    "PROXY TCP4 203.0.113.7 192.0.2.1 51000 443\r\n",
  );
  assert.equal(
    text(encodeProxyHeader("v1", { hostname: "[2001:DB8:0:0:0:0:0:07]", port: 1 }, {
      hostname: "fe80::1%eth0",
      port: 65535,
    })),
    "PROXY TCP6 2001:db8::7 fe80::1 1 65535\r\n",
  );
  const unknown = "PROXY UNKNOWN\r\n";
  const v4 = { hostname: "127.0.0.1", port: 1 };
  assert.equal(text(encodeProxyHeader("v1", v4, { hostname: "::1", port: 2 })), unknown);
  assert.equal(text(encodeProxyHeader("v1", v4, { hostname: "localhost", port: 2 })), unknown);
  const udp: Deno.NetAddr = { transport: "udp", hostname: "127.0.0.1", port: 53 };
  assert.equal(text(encodeProxyHeader("v1", udp, udp)), unknown);
});

Deno.test("encodeProxyHeader() v2: INET and INET6 blocks, DGRAM for UDP, UNSPEC when mixed", () => {
  assert.deepEqual(
    encodeProxyHeader("v2", { hostname: "198.51.100.9", port: 40000 }, {
      hostname: "192.0.2.1",
      port: 80,
    }),
    v2Tcp4(),
  );
  const six = encodeProxyHeader("v2", { hostname: "::1", port: 1 }, {
    hostname: "2001:db8::ff",
    port: 258,
  });
  assert.deepEqual(
    six,
    v2(
      [0x21, 0x21, 0, 36],
      ...[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
      ...[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff],
      ...[0, 1, 1, 2],
    ),
  );
  const udp: Deno.NetAddr = { transport: "udp", hostname: "10.0.0.1", port: 53 };
  assert.equal(encodeProxyHeader("v2", udp, udp)[13], 0x12);
  assert.deepEqual(
    encodeProxyHeader("v2", { hostname: "10.0.0.1", port: 1 }, { hostname: "::1", port: 2 }),
    v2([0x21, 0x00, 0, 0]),
  );
  assert.deepEqual(encodeLocalHeader(), v2([0x20, 0x00, 0, 0]));
  assert.throws(
    () => encodeProxyHeader("v2", { hostname: "10.0.0.1", port: 65536 }, udp),
    RangeError,
  );
});

Deno.test("decodeProxyHeader() reads back what encodeProxyHeader() writes", () => {
  const cases: [string, number, string, number][] = [
    ["0.0.0.0", 0, "255.255.255.255", 65535],
    ["::", 0, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535],
    ["::ffff:192.0.2.1", 80, "1:0:0:1::", 443],
    ["2001:db8:0:1:0:0:0:1", 5, "2001:0:0:1:0:0:1:1", 6],
  ];
  // RFC 5952 text: the longest zero run becomes "::", the first of two equal ones.
  const canonical: Record<string, string> = {
    "2001:db8:0:1:0:0:0:1": "2001:db8:0:1::1",
    "2001:0:0:1:0:0:1:1": "2001::1:0:0:1:1",
  };
  for (const [sh, sp, dh, dp] of cases) {
    for (const version of ["v1", "v2"] as const) {
      const bytes = encodeProxyHeader(version, { hostname: sh, port: sp }, {
        hostname: dh,
        port: dp,
      });
      const decoded = decodeProxyHeader(concat(bytes, encoder.encode("payload")));
      assert.deepEqual(decoded, {
        header: {
          kind: "proxy",
          version: version === "v1" ? 1 : 2,
          transport: "tcp",
          source: { transport: "tcp", hostname: canonical[sh] ?? sh, port: sp },
          destination: { transport: "tcp", hostname: canonical[dh] ?? dh, port: dp },
          tlvs: [],
        },
        length: bytes.length,
      }, `${version} ${sh} ${dh}`);
    }
  }
});

Deno.test("decodeProxyHeader() wants more bytes for every proper prefix, not an error", () => {
  const headers = [
    encodeProxyHeader("v1", { hostname: "::1", port: 1 }, { hostname: "::2", port: 2 }),
    encodeProxyHeader("v2", { hostname: "::1", port: 1 }, { hostname: "::2", port: 2 }),
    encoder.encode("PROXY UNKNOWN\r\n"),
    encodeLocalHeader(),
  ];
  for (const header of headers) {
    for (let n = 0; n < header.length; n++) {
      assert.equal(decodeProxyHeader(header.subarray(0, n)), undefined, `${n} bytes`);
    }
    assert.equal(decodeProxyHeader(header)?.length, header.length);
  }
});

Deno.test("decodeProxyHeader(): v1 UNKNOWN, v2 LOCAL, UNSPEC and UNIX, TLVs kept raw", () => {
  assert.deepEqual(decodeProxyHeader(encoder.encode("PROXY UNKNOWN 1.2.3.4 ::1 1 2\r\n")), {
    header: { kind: "unknown", version: 1, tlvs: [] },
    length: 31,
  });
  const tlvs = [0x02, 0, 3, 0x61, 0x62, 0x63, 0xe0, 0, 0];
  assert.deepEqual(decodeProxyHeader(v2([0x20, 0x00, 0, tlvs.length], ...tlvs)), {
    header: {
      kind: "local",
      version: 2,
      tlvs: [{ type: 0x02, value: encoder.encode("abc") }, { type: 0xe0, value: new Uint8Array() }],
    },
    length: 16 + tlvs.length,
  });
  assert.deepEqual(decodeProxyHeader(v2([0x21, 0x00, 0, 0])), {
    header: { kind: "unknown", version: 2, tlvs: [] },
    length: 16,
  });
  assert.deepEqual(decodeProxyHeader(v2([0x21, 0x31, 0, 216], ...new Array(216).fill(0))), {
    header: { kind: "unknown", version: 2, tlvs: [] },
    length: 232,
  });
  const withTlv = decodeProxyHeader(v2Tcp4([0x04, 0, 2, 9, 9]));
  assert.equal(withTlv?.header.kind, "proxy");
  assert.deepEqual(withTlv?.header.tlvs, [{ type: 0x04, value: new Uint8Array([9, 9]) }]);
  const dgram = v2Tcp4();
  dgram[13] = 0x12;
  const udp = decodeProxyHeader(dgram)?.header;
  assert.ok(udp?.kind === "proxy" && udp.transport === "udp" && udp.source.transport === "udp");
});

Deno.test("decodeProxyHeader() rejects malformed headers with ProxyProtocolError", () => {
  const bad: [string, Uint8Array | string][] = [
    ["an HTTP request", "GET / HTTP/1.1\r\n"],
    ["one wrong first byte", "G"],
    ["a near-v2 signature", new Uint8Array([...SIGNATURE.slice(0, 11), 0x0b])],
    ["lowercase v1", "proxy TCP4 1.2.3.4 1.2.3.5 1 2\r\n"],
    ["v1 too long", `PROXY UNKNOWN ${"x".repeat(93)}`],
    ["v1 bare LF", "PROXY TCP4 1.2.3.4 1.2.3.5 1 2\n"],
    ["v1 CR inside", "PROXY TCP4 1.2.3.4\r1.2.3.5 1 2\r\n"],
    ["v1 unknown protocol", "PROXY UDP4 1.2.3.4 1.2.3.5 1 2\r\n"],
    ["v1 double space", "PROXY TCP4  1.2.3.4 1.2.3.5 1 2\r\n"],
    ["v1 missing port", "PROXY TCP4 1.2.3.4 1.2.3.5 1\r\n"],
    ["v1 extra field", "PROXY TCP4 1.2.3.4 1.2.3.5 1 2 3\r\n"],
    ["v1 trailing space", "PROXY TCP4 1.2.3.4 1.2.3.5 1 2 \r\n"],
    ["v1 IPv4 leading zero", "PROXY TCP4 1.2.3.04 1.2.3.5 1 2\r\n"],
    ["v1 IPv4 part over 255", "PROXY TCP4 1.2.3.256 1.2.3.5 1 2\r\n"],
    ["v1 IPv6 in TCP4", "PROXY TCP4 ::1 1.2.3.5 1 2\r\n"],
    ["v1 IPv4 in TCP6", "PROXY TCP6 ::1 1.2.3.5 1 2\r\n"],
    ["v1 two ::", "PROXY TCP6 1::2::3 ::1 1 2\r\n"],
    ["v1 IPv6 zone", "PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n"],
    ["v1 port over 65535", "PROXY TCP4 1.2.3.4 1.2.3.5 65536 2\r\n"],
    ["v1 port leading zero", "PROXY TCP4 1.2.3.4 1.2.3.5 01 2\r\n"],
    ["v1 signed port", "PROXY TCP4 1.2.3.4 1.2.3.5 +1 2\r\n"],
    ["v1 non-ASCII", "PROXY TCP4 1.2.3.4 1.2.3.5 1 2\u00e9\r\n"],
    ["v2 version 1", v2([0x11, 0x11, 0, 0])],
    ["v2 version 3", v2([0x31, 0x11, 0, 0])],
    ["v2 command 2", v2([0x22, 0x11, 0, 12])],
    ["v2 family 4", v2([0x21, 0x41, 0, 12])],
    ["v2 transport 3", v2([0x21, 0x13, 0, 12])],
    ["v2 length below INET", v2([0x21, 0x11, 0, 11])],
    ["v2 length below INET6", v2([0x21, 0x21, 0, 35])],
    ["v2 length below UNIX", v2([0x21, 0x31, 0, 215])],
    ["v2 TLV cut short", v2Tcp4([0x04, 0])],
    ["v2 TLV overruns", v2Tcp4([0x04, 0, 3, 1, 2])],
  ];
  for (const [what, input] of bad) {
    const bytes = typeof input === "string" ? encoder.encode(input) : input;
    assert.throws(() => decodeProxyHeader(bytes), ProxyProtocolError, what);
  }
  // A v1 line of exactly 107 bytes (CRLF included) is still fine.
  const longest = `PROXY UNKNOWN ${"x".repeat(91)}\r\n`;
  assert.equal(longest.length, 107);
  assert.equal(decodeProxyHeader(encoder.encode(longest))?.length, 107);
});

Deno.test("ProxyProtocolError is a client ProtocolError of protocol proxy-protocol", () => {
  try {
    decodeProxyHeader(encoder.encode("SSH-2.0-OpenSSH\r\n"));
    assert.fail("no error");
  } catch (error) {
    assert.ok(error instanceof ProxyProtocolError && error instanceof ProtocolError);
    assert.equal(error.protocol, "proxy-protocol");
    assert.equal(error.source, "client");
    assert.equal(error.name, "ProxyProtocolError");
    assert.match(error.message, /^proxy-protocol: /);
  }
});

Deno.test("readProxyHeader() returns the bytes read past the header with the header", async () => {
  const v1 = await readOver(["PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\nGET / HTTP/1.1\r\n\r\n"]);
  assert.deepEqual(v1.header, {
    kind: "proxy",
    version: 1,
    transport: "tcp",
    source: { transport: "tcp", hostname: "1.2.3.4", port: 1 },
    destination: { transport: "tcp", hostname: "5.6.7.8", port: 2 },
    tlvs: [],
  });
  assert.equal(v1.after, "GET / HTTP/1.1\r\n\r\n");
  // A v2 header larger than the first read buffer (a 1000-byte TLV), then 100 KB of payload.
  const value = new Array(1000).fill(0x41);
  const big = v2Tcp4([0xe1, 1000 >> 8, 1000 & 0xff, ...value]);
  const payload = "z".repeat(100_000);
  const v2big = await readOver([big, payload]);
  assert.deepEqual(v2big.header.tlvs, [{ type: 0xe1, value: new Uint8Array(value) }]);
  assert.equal(v2big.after, payload);
  // Bytes already read (sniffed) count as the start.
  const sniffed = await readOver(["CP4 1.2.3.4 5.6.7.8 1 2\r\nrest"], encoder.encode("PROXY T"));
  assert.equal(sniffed.header.kind, "proxy");
  assert.equal(sniffed.after, "rest");
  const local = await readOver([encodeLocalHeader()]);
  assert.deepEqual(local.header, { kind: "local", version: 2, tlvs: [] });
  assert.equal(local.after, "");
});

Deno.test("readProxyHeader() rejects a connection that closes early or sends no header", async () => {
  const cases: [string, (Uint8Array | string)[], RegExp][] = [
    ["nothing", [], /closed before a PROXY header/],
    ["truncated v1", ["PROXY TCP4 1.2.3.4 "], /closed after 19 bytes/],
    ["truncated v2", [v2Tcp4().subarray(0, 20)], /closed after 20 bytes/],
    ["v2 length lies (longer than sent)", [v2Tcp4([], 40)], /closed after 28 bytes/],
    ["no signature", ["hello there"], /did not start with a PROXY header/],
    ["v1 too long", ["PROXY UNKNOWN ", "y".repeat(200)], /longer than 107 bytes/],
  ];
  for (const [what, parts, message] of cases) {
    await assert.rejects(readOver(parts), (error) => {
      assert.ok(error instanceof ProxyProtocolError, what);
      assert.match(error.message, message, what);
      return true;
    });
  }
});
