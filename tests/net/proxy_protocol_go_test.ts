// Interop with pires/go-proxyproto (tests/_support/go/proxyproto_peer): it parses the headers
// encodeProxyHeader makes, and readProxyHeader parses the headers it makes.
import assert from "node:assert/strict";
import {
  encodeLocalHeader,
  encodeProxyHeader,
  type ProxyAddress,
  readProxyHeader,
} from "../../lib/net/proxy_protocol.ts";
import { concat, decoder, encoder } from "../_support/bytes.ts";
import { writeAll } from "../_support/io.ts";
import { ProxyprotoPeer, proxyprotoPeerBinary } from "../_support/proxyproto_go.ts";

interface SendCase {
  readonly name: string;
  readonly header: Uint8Array;
  /** What the peer prints for version, command, transport, source and destination. */
  readonly expect: string;
}

function addr(hostname: string, port: number): ProxyAddress {
  return { hostname, port };
}

const SENT: readonly SendCase[] = [
  {
    name: "v1-tcp4",
    header: encodeProxyHeader("v1", addr("203.0.113.7", 51000), addr("192.0.2.1", 443)),
    expect: "version=1 command=PROXY transport=TCPv4 source=203.0.113.7:51000 " +
      "destination=192.0.2.1:443",
  },
  {
    name: "v1-tcp6",
    header: encodeProxyHeader("v1", addr("2001:db8::7", 65535), addr("[2001:db8:0:0:1::1]", 0)),
    expect: "version=1 command=PROXY transport=TCPv6 source=[2001:db8::7]:65535 " +
      "destination=[2001:db8::1:0:0:1]:0",
  },
  {
    name: "v2-tcp4",
    header: encodeProxyHeader("v2", addr("203.0.113.7", 51000), addr("192.0.2.1", 443)),
    expect: "version=2 command=PROXY transport=TCPv4 source=203.0.113.7:51000 " +
      "destination=192.0.2.1:443",
  },
  {
    name: "v2-tcp6",
    header: encodeProxyHeader("v2", addr("2001:db8::7", 1), addr("::1", 8080)),
    expect: "version=2 command=PROXY transport=TCPv6 source=[2001:db8::7]:1 " +
      "destination=[::1]:8080",
  },
  {
    name: "v2-local",
    header: encodeLocalHeader(),
    expect: "version=2 command=LOCAL transport=UNSPEC",
  },
];

Deno.test("encodeProxyHeader(): go-proxyproto parses v1 and v2 headers, IPv4 and IPv6", async () => {
  const peer = new ProxyprotoPeer(await proxyprotoPeerBinary(), ["accept"]);
  try {
    const port = Number((await peer.line(/^listening \d+$/)).split(" ")[1]);
    for (const c of SENT) {
      const from = peer.lines.length;
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      await writeAll(conn, concat(c.header, encoder.encode(c.name)));
      await conn.closeWrite();
      const line = await peer.line(/^(header|rejected)/, from);
      conn.close();
      assert.ok(line.startsWith(`header ${c.expect}`), `${c.name}: ${line}`);
      assert.ok(line.endsWith(` payload=${c.name}`), `${c.name}: ${line}`);
    }
  } finally {
    await peer.kill();
  }
});

interface ReadCase {
  readonly name: string;
  /** proxyproto_peer send arguments after ADDR: VERSION SOURCE DESTINATION [AUTHORITY]. */
  readonly args: readonly string[];
  readonly check: (header: Awaited<ReturnType<typeof readProxyHeader>>["header"]) => void;
}

const READ: readonly ReadCase[] = [
  {
    name: "v1-tcp4",
    args: ["1", "198.51.100.9:40000", "192.0.2.1:80"],
    check: (h) =>
      assert.deepEqual(h, {
        kind: "proxy",
        version: 1,
        transport: "tcp",
        source: { transport: "tcp", hostname: "198.51.100.9", port: 40000 },
        destination: { transport: "tcp", hostname: "192.0.2.1", port: 80 },
        tlvs: [],
      }),
  },
  {
    name: "v1-tcp6",
    args: ["1", "[2001:db8::9]:40000", "[2001:db8::1]:80"],
    check: (h) =>
      assert.deepEqual(h, {
        kind: "proxy",
        version: 1,
        transport: "tcp",
        source: { transport: "tcp", hostname: "2001:db8::9", port: 40000 },
        destination: { transport: "tcp", hostname: "2001:db8::1", port: 80 },
        tlvs: [],
      }),
  },
  {
    name: "v2-tcp4",
    args: ["2", "198.51.100.9:40000", "192.0.2.1:80"],
    check: (h) =>
      assert.deepEqual(h, {
        kind: "proxy",
        version: 2,
        transport: "tcp",
        source: { transport: "tcp", hostname: "198.51.100.9", port: 40000 },
        destination: { transport: "tcp", hostname: "192.0.2.1", port: 80 },
        tlvs: [],
      }),
  },
  {
    name: "v2-tcp6-authority",
    args: ["2", "[fe80::1:2]:1", "[::]:65535", "example.test"],
    check: (h) =>
      assert.deepEqual(h, {
        kind: "proxy",
        version: 2,
        transport: "tcp",
        source: { transport: "tcp", hostname: "fe80::1:2", port: 1 },
        destination: { transport: "tcp", hostname: "::", port: 65535 },
        tlvs: [{ type: 0x02, value: encoder.encode("example.test") }],
      }),
  },
  {
    name: "v2-local",
    args: ["2", "local", "-"],
    check: (h) => assert.deepEqual(h, { kind: "local", version: 2, tlvs: [] }),
  },
];

Deno.test("readProxyHeader(): parses go-proxyproto's v1 and v2 headers and keeps the payload", async () => {
  const binary = await proxyprotoPeerBinary();
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const address = `127.0.0.1:${listener.addr.port}`;
  for (const c of READ) {
    const [version, source, destination, authority] = c.args;
    const args = ["send", address, version, source, destination, c.name];
    if (authority !== undefined) args.push(authority);
    const peer = new ProxyprotoPeer(binary, args);
    try {
      const conn = await listener.accept();
      try {
        const { header, rest } = await readProxyHeader(conn);
        c.check(header);
        const payload = [rest];
        const buf = new Uint8Array(256);
        for (let n; (n = await conn.read(buf)) !== null;) payload.push(buf.slice(0, n));
        assert.equal(decoder.decode(concat(...payload)), c.name);
      } finally {
        conn.close();
      }
      await peer.line(/^sent$/);
    } finally {
      await peer.kill();
    }
  }
});
