import assert from "node:assert/strict";
import { encoder } from "../_support/bytes.ts";
import { ByteReader } from "../../lib/net/byte_reader.ts";
import { ProtocolError } from "../../lib/net/protocol_error.ts";
import {
  encodeGreeting,
  encodeMethodSelection,
  encodeReply,
  encodeRequest,
  encodeUdpDatagram,
  encodeUdpHeader,
  encodeUserPass,
  encodeUserPassStatus,
  parseUdpHeader,
  readGreeting,
  readMethodSelection,
  readReply,
  readRequest,
  readUserPass,
  readUserPassStatus,
  Socks5AddressType,
  Socks5Command,
  Socks5Error,
  Socks5Method,
  Socks5Reply,
  UDP_IP_HEADER_MAX,
} from "../../lib/proxy/socks5/codec.ts";

/**
 * A ByteReader over `chunks` delivered one read at a time, then end of stream (the way a
 * socket delivers a message split over several packets).
 */
function source(...chunks: (number[] | Uint8Array)[]): ByteReader {
  const queue = chunks.map((c) => Uint8Array.from(c));
  const conn = {
    read(buf: Uint8Array): Promise<number | null> {
      const next = queue.shift();
      if (!next) return Promise.resolve(null);
      buf.set(next);
      return Promise.resolve(next.length);
    },
  } as unknown as Deno.Conn;
  return new ByteReader(conn, new Uint8Array(0), "socks5");
}

/** The bytes one at a time. */
function trickle(bytes: number[] | Uint8Array): ByteReader {
  return source(...[...bytes].map((b) => [b]));
}

async function rejectsWith(
  promise: Promise<unknown>,
  message: RegExp,
  reply: number | null | "protocol",
): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    if (reply === "protocol") {
      assert.ok(e instanceof ProtocolError, `not a ProtocolError: ${e}`);
      assert.equal(e.protocol, "socks5");
      assert.ok(!(e instanceof Socks5Error) || e.reply === null, "no reply for a cut-off stream");
    } else {
      assert.ok(e instanceof Socks5Error, `not a Socks5Error: ${e}`);
      assert.ok(e instanceof ProtocolError, "a Socks5Error is a ProtocolError");
      assert.equal(e.protocol, "socks5");
      assert.equal(e.reply, reply);
    }
    assert.match((e as Error).message, message);
    return true;
  });
}

function throwsWith(fn: () => unknown, message: RegExp, reply: number | null): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof Socks5Error, `not a Socks5Error: ${e}`);
    assert.equal(e.reply, reply);
    assert.match(e.message, message);
    return true;
  });
}

// ---- greeting ----

Deno.test("readGreeting() returns the methods offered, whole or byte by byte", async () => {
  assert.deepEqual(await readGreeting(source([0x05, 0x02, 0x00, 0x02])), [0x00, 0x02]);
  assert.deepEqual(await readGreeting(trickle([0x05, 0x03, 0x00, 0x01, 0x02])), [0, 1, 2]);
  assert.deepEqual(await readGreeting(source([0x05, 0x00])), [], "no methods at all");
});

Deno.test("readGreeting() leaves the bytes after the greeting unread", async () => {
  const reader = source([0x05, 0x01, 0x00, 0x05, 0x01]);
  assert.deepEqual(await readGreeting(reader), [0x00]);
  assert.equal(reader.buffered, 2);
});

Deno.test("readGreeting() rejects other versions, naming SOCKS4", async () => {
  await rejectsWith(
    readGreeting(source([0x04, 0x01, 0x00, 0x50, 127, 0, 0, 1, 0])),
    /^socks5: greeting has version 0x04 \(SOCKS4\), expected 0x05$/,
    null,
  );
  await rejectsWith(readGreeting(source([0x47, 0x45, 0x54])), /version 0x47, expected/, null);
});

Deno.test("readGreeting() fails when the stream ends before the announced methods", async () => {
  await rejectsWith(
    readGreeting(source([0x05, 0x0a, 0x00])),
    /connection closed after 1 of 10 bytes/,
    "protocol",
  );
  await rejectsWith(readGreeting(source([0x05])), /connection closed/, "protocol");
  await rejectsWith(readGreeting(source()), /connection closed/, "protocol");
});

Deno.test("encodeGreeting() writes VER NMETHODS METHODS and round-trips", async () => {
  const bytes = encodeGreeting([Socks5Method.NO_AUTH, Socks5Method.USER_PASS]);
  assert.deepEqual([...bytes], [0x05, 0x02, 0x00, 0x02]);
  assert.deepEqual(await readGreeting(source(bytes)), [0x00, 0x02]);
  const all = Array.from({ length: 255 }, (_, i) => i);
  assert.deepEqual(await readGreeting(source(encodeGreeting(all))), all);
});

Deno.test("encodeGreeting() refuses 0 or more than 255 methods", () => {
  assert.throws(() => encodeGreeting([]), RangeError);
  assert.throws(() => encodeGreeting(new Array(256).fill(0)), RangeError);
});

// ---- method selection ----

Deno.test("encodeMethodSelection() and readMethodSelection() round-trip, 0xFF included", async () => {
  for (const m of [Socks5Method.NO_AUTH, Socks5Method.USER_PASS, Socks5Method.NO_ACCEPTABLE]) {
    const bytes = encodeMethodSelection(m);
    assert.deepEqual([...bytes], [0x05, m]);
    assert.equal(await readMethodSelection(trickle(bytes)), m);
  }
});

Deno.test("readMethodSelection() rejects a wrong version and a cut-off answer", async () => {
  await rejectsWith(readMethodSelection(source([0x04, 0x5a])), /version 0x04 \(SOCKS4\)/, null);
  await rejectsWith(readMethodSelection(source([0x05])), /connection closed/, "protocol");
});

// ---- RFC 1929 ----

Deno.test("readUserPass() reads UNAME and PASSWD (UTF-8), also byte by byte", async () => {
  const password = encoder.encode("pä$s");
  assert.equal(password.length, 5, "ä is two bytes");
  const bytes = [0x01, 0x04, ...encoder.encode("user"), password.length, ...password];
  assert.deepEqual(await readUserPass(source(bytes)), { username: "user", password: "pä$s" });
  assert.deepEqual(await readUserPass(trickle(bytes)), { username: "user", password: "pä$s" });
  assert.deepEqual(await readUserPass(source([0x01, 0x01, 0x75, 0x00])), {
    username: "u",
    password: "",
  });
});

Deno.test("readUserPass() rejects a version other than 0x01 and a cut-off request", async () => {
  await rejectsWith(
    readUserPass(source([0x05, 0x01, 0x75, 0x01, 0x70])),
    /username\/password request has version 0x05, expected 0x01/,
    null,
  );
  await rejectsWith(
    readUserPass(source([0x01, 0x05, 0x75, 0x73])),
    /connection closed after 2 of 5 bytes/,
    "protocol",
  );
  await rejectsWith(readUserPass(source([0x01, 0x01, 0x75])), /connection closed/, "protocol");
});

Deno.test("encodeUserPass() round-trips and refuses parts over 255 bytes", async () => {
  const bytes = encodeUserPass("ü", "p:w");
  assert.deepEqual([...bytes], [0x01, 0x02, 0xc3, 0xbc, 0x03, 0x70, 0x3a, 0x77]);
  assert.deepEqual(await readUserPass(source(bytes)), { username: "ü", password: "p:w" });
  const max = "x".repeat(255);
  assert.deepEqual(await readUserPass(source(encodeUserPass(max, max))), {
    username: max,
    password: max,
  });
  assert.throws(() => encodeUserPass("x".repeat(256), "p"), RangeError);
  assert.throws(() => encodeUserPass("u", "ü".repeat(128)), RangeError);
});

Deno.test("encodeUserPassStatus() and readUserPassStatus() round-trip", async () => {
  assert.deepEqual([...encodeUserPassStatus(true)], [0x01, 0x00]);
  assert.deepEqual([...encodeUserPassStatus(false)], [0x01, 0x01]);
  assert.equal(await readUserPassStatus(source(encodeUserPassStatus(true))), true);
  assert.equal(await readUserPassStatus(source(encodeUserPassStatus(false))), false);
  assert.equal(await readUserPassStatus(source([0x01, 0x7f])), false, "any non-zero fails");
  await rejectsWith(readUserPassStatus(source([0x05, 0x00])), /status has version 0x05/, null);
});

// ---- request ----

Deno.test("readRequest() reads CONNECT to IPv4, IPv6 and domain addresses", async () => {
  assert.deepEqual(
    await readRequest(source([0x05, 0x01, 0x00, 0x01, 192, 168, 1, 7, 0x1f, 0x90])),
    {
      command: Socks5Command.CONNECT,
      addressType: Socks5AddressType.IPV4,
      address: { hostname: "192.168.1.7", port: 8080 },
    },
  );
  const v6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01];
  assert.deepEqual(await readRequest(trickle([0x05, 0x01, 0x00, 0x04, ...v6, 0x01, 0xbb])), {
    command: Socks5Command.CONNECT,
    addressType: Socks5AddressType.IPV6,
    address: { hostname: "2001:db8::1", port: 443 },
  });
  const name = encoder.encode("example.com");
  assert.deepEqual(
    await readRequest(source([0x05, 0x01, 0x00, 0x03, name.length, ...name, 0x00, 0x50])),
    {
      command: Socks5Command.CONNECT,
      addressType: Socks5AddressType.DOMAIN,
      address: { hostname: "example.com", port: 80 },
    },
  );
});

Deno.test("readRequest() reads BIND and UDP ASSOCIATE", async () => {
  const bind = await readRequest(source([0x05, 0x02, 0x00, 0x01, 0, 0, 0, 0, 0, 0]));
  assert.equal(bind.command, Socks5Command.BIND);
  const udp = await readRequest(source([0x05, 0x03, 0x00, 0x01, 0, 0, 0, 0, 0x30, 0x39]));
  assert.equal(udp.command, Socks5Command.UDP_ASSOCIATE);
  assert.deepEqual(udp.address, { hostname: "0.0.0.0", port: 12345 });
});

Deno.test("readRequest() drops the brackets of an IPv6 literal sent as a domain", async () => {
  const name = encoder.encode("[::1]");
  const req = await readRequest(source([0x05, 0x01, 0x00, 0x03, name.length, ...name, 0, 80]));
  assert.equal(req.address.hostname, "::1");
});

Deno.test("readRequest() rejects malformed requests with the reply code to send", async () => {
  const cases: [number[], RegExp, number][] = [
    [[0x04, 0x01, 0x00, 0x01, 1, 2, 3, 4, 0, 80], /request has version 0x04/, 0x01],
    [[0x05, 0x09, 0x00, 0x01, 1, 2, 3, 4, 0, 80], /unknown command 0x09/, 0x07],
    [[0x05, 0x00, 0x00, 0x01, 1, 2, 3, 4, 0, 80], /unknown command 0x00/, 0x07],
    [[0x05, 0x01, 0x01, 0x01, 1, 2, 3, 4, 0, 80], /reserved byte is 0x01/, 0x01],
    [[0x05, 0x01, 0x00, 0x02, 1, 2, 3, 4, 0, 80], /unknown address type 0x02/, 0x08],
    [[0x05, 0x01, 0x00, 0x00, 1, 2, 3, 4, 0, 80], /unknown address type 0x00/, 0x08],
    [[0x05, 0x01, 0x00, 0x03, 0x00, 0, 80], /domain name is empty/, 0x01],
    [[0x05, 0x01, 0x00, 0x03, 0x02, 0xc3, 0x28, 0, 80], /not valid UTF-8/, 0x01],
    [[0x05, 0x01, 0x00, 0x03, 0x03, 0x61, 0x20, 0x62, 0, 80], /control characters/, 0x01],
    [[0x05, 0x01, 0x00, 0x03, 0x03, 0x61, 0x00, 0x62, 0, 80], /control characters/, 0x01],
  ];
  for (const [bytes, message, reply] of cases) {
    await rejectsWith(readRequest(source(bytes)), message, reply);
  }
  assert.equal(Socks5Reply.ADDRESS_TYPE_NOT_SUPPORTED, 0x08);
});

Deno.test("readRequest() fails without a reply when the stream ends mid-request", async () => {
  await rejectsWith(
    readRequest(source([0x05, 0x01, 0x00, 0x01, 127, 0])),
    /connection closed after 2 of 4 bytes/,
    "protocol",
  );
  await rejectsWith(
    readRequest(source([0x05, 0x01, 0x00, 0x03, 0x09, 0x61])),
    /connection closed after 1 of 9 bytes/,
    "protocol",
  );
  await rejectsWith(
    readRequest(source([0x05, 0x01, 0x00, 0x01, 127, 0, 0, 1, 0])),
    /after 1 of 2 bytes/,
    "protocol",
  );
});

Deno.test("encodeRequest() writes each address type exactly and round-trips", async () => {
  assert.deepEqual(
    [...encodeRequest(Socks5Command.CONNECT, { hostname: "10.0.0.1", port: 80 })],
    [0x05, 0x01, 0x00, 0x01, 10, 0, 0, 1, 0x00, 0x50],
  );
  assert.deepEqual(
    [...encodeRequest(Socks5Command.UDP_ASSOCIATE, { hostname: "::1", port: 65535 })],
    [0x05, 0x03, 0x00, 0x04, ...new Array(15).fill(0), 1, 0xff, 0xff],
  );
  assert.deepEqual(
    [...encodeRequest(Socks5Command.BIND, { hostname: "a.io", port: 1 })],
    [0x05, 0x02, 0x00, 0x03, 4, 0x61, 0x2e, 0x69, 0x6f, 0x00, 0x01],
  );
  for (const hostname of ["1.2.3.4", "fe80::1:2", "::ffff:1.2.3.4", "wm-proxy.com"]) {
    const req = await readRequest(source(encodeRequest(1, { hostname, port: 4242 })));
    assert.deepEqual(req.address, { hostname, port: 4242 });
  }
});

Deno.test("encodeRequest() refuses bad ports and domain names over 255 bytes", () => {
  assert.throws(() => encodeRequest(1, { hostname: "1.2.3.4", port: 65536 }), RangeError);
  assert.throws(() => encodeRequest(1, { hostname: "1.2.3.4", port: -1 }), RangeError);
  assert.throws(() => encodeRequest(1, { hostname: "a".repeat(256), port: 1 }), RangeError);
  assert.throws(() => encodeRequest(1, { hostname: "", port: 1 }), RangeError);
  assert.equal(encodeRequest(1, { hostname: "a".repeat(255), port: 1 }).length, 4 + 1 + 255 + 2);
});

// ---- reply ----

Deno.test("encodeReply() writes 0.0.0.0:0 when no bound address is given", () => {
  assert.deepEqual(
    [...encodeReply(Socks5Reply.CONNECTION_REFUSED)],
    [0x05, 0x05, 0x00, 0x01, 0, 0, 0, 0, 0, 0],
  );
});

Deno.test("encodeReply() and readReply() round-trip IPv4 and IPv6 bound addresses", async () => {
  const v4 = encodeReply(Socks5Reply.SUCCEEDED, { hostname: "127.0.0.1", port: 50000 });
  assert.deepEqual([...v4], [0x05, 0x00, 0x00, 0x01, 127, 0, 0, 1, 0xc3, 0x50]);
  assert.deepEqual(await readReply(trickle(v4)), {
    reply: 0,
    address: { hostname: "127.0.0.1", port: 50000 },
  });
  const v6 = encodeReply(Socks5Reply.HOST_UNREACHABLE, { hostname: "2001:db8::7", port: 1 });
  assert.equal(v6.length, 22);
  assert.deepEqual(await readReply(source(v6)), {
    reply: 4,
    address: { hostname: "2001:db8::7", port: 1 },
  });
});

Deno.test("readReply() rejects a wrong version, a reserved byte and a bad address type", async () => {
  await rejectsWith(readReply(source([0x04, 0x5a, 0, 1, 0, 0, 0, 0, 0, 0])), /version 0x04/, null);
  await rejectsWith(readReply(source([0x05, 0x00, 7, 1, 0, 0, 0, 0, 0, 0])), /reserved/, null);
  await rejectsWith(readReply(source([0x05, 0x00, 0, 9])), /address type 0x09/, 0x08);
});

// ---- UDP header ----

Deno.test("parseUdpHeader() reads IPv4, IPv6 and domain headers and where the payload starts", () => {
  const v4 = Uint8Array.from([0, 0, 0, 0x01, 127, 0, 0, 1, 0x00, 0x35, 0xaa, 0xbb]);
  assert.deepEqual(parseUdpHeader(v4), {
    frag: 0,
    addressType: Socks5AddressType.IPV4,
    address: { hostname: "127.0.0.1", port: 53 },
    length: 10,
  });
  assert.deepEqual([...v4.subarray(parseUdpHeader(v4).length)], [0xaa, 0xbb]);
  const v6 = Uint8Array.from([0, 0, 0, 0x04, ...new Array(15).fill(0), 1, 0x01, 0x00]);
  assert.deepEqual(parseUdpHeader(v6), {
    frag: 0,
    addressType: Socks5AddressType.IPV6,
    address: { hostname: "::1", port: 256 },
    length: 22,
  });
  const name = Uint8Array.from([0, 0, 3, 0x03, 9, ...encoder.encode("localhost"), 0, 7, 0x21]);
  assert.deepEqual(parseUdpHeader(name), {
    frag: 3,
    addressType: Socks5AddressType.DOMAIN,
    address: { hostname: "localhost", port: 7 },
    length: 16,
  });
});

Deno.test("parseUdpHeader() accepts an empty payload", () => {
  const h = parseUdpHeader(Uint8Array.from([0, 0, 0, 1, 1, 2, 3, 4, 0, 9]));
  assert.equal(h.length, 10);
});

Deno.test("parseUdpHeader() rejects short, reserved, truncated and unknown headers", () => {
  throwsWith(() => parseUdpHeader(Uint8Array.from([0, 0, 0])), /shorter than a header/, null);
  throwsWith(
    () => parseUdpHeader(Uint8Array.from([0, 1, 0, 1, 1, 2, 3, 4, 0, 9])),
    /reserved bytes are not zero/,
    null,
  );
  throwsWith(
    () => parseUdpHeader(Uint8Array.from([0, 0, 0, 1, 1, 2, 3, 4, 0])),
    /truncated/,
    null,
  );
  throwsWith(() => parseUdpHeader(Uint8Array.from([0, 0, 0, 4, 0, 0, 0])), /truncated/, null);
  throwsWith(
    () => parseUdpHeader(Uint8Array.from([0, 0, 0, 3, 5, 0x61, 0x62, 0, 1])),
    /truncated/,
    null,
  );
  throwsWith(() => parseUdpHeader(Uint8Array.from([0, 0, 0, 3])), /domain name is empty/, null);
  throwsWith(
    () => parseUdpHeader(Uint8Array.from([0, 0, 0, 3, 0, 0, 1])),
    /domain name is empty/,
    null,
  );
  throwsWith(
    () => parseUdpHeader(Uint8Array.from([0, 0, 0, 2, 1, 2, 3, 4, 0, 9])),
    /unknown address type 0x02/,
    0x08,
  );
});

Deno.test("encodeUdpHeader() and encodeUdpDatagram() round-trip through parseUdpHeader()", () => {
  assert.deepEqual(
    [...encodeUdpHeader({ hostname: "10.1.2.3", port: 5353 })],
    [0, 0, 0, 1, 10, 1, 2, 3, 0x14, 0xe9],
  );
  assert.equal(encodeUdpHeader({ hostname: "::", port: 0 }).length, UDP_IP_HEADER_MAX);
  assert.equal(encodeUdpHeader({ hostname: "1.2.3.4", port: 0 }, { frag: 0x81 })[2], 0x81);
  for (const hostname of ["10.1.2.3", "2001:db8::5", "dns.example"]) {
    const payload = encoder.encode(`to ${hostname}`);
    const datagram = encodeUdpDatagram({ hostname, port: 53 }, payload, { frag: 2 });
    const h = parseUdpHeader(datagram);
    assert.deepEqual(h.address, { hostname, port: 53 });
    assert.equal(h.frag, 2);
    assert.deepEqual(datagram.subarray(h.length), payload);
  }
});
