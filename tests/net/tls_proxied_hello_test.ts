// A PROXY header and the ClientHello after it in one write (as HAProxy's `ssl send-proxy-v2`
// sends them): the header's read takes the hello's first bytes, and the hop must not pass the
// hello on in two pieces (Deno's SNI listener fails a handshake whose ClientHello it reads in
// parts, with `WouldBlock`).
import assert from "node:assert/strict";
import { encodeProxyHeader } from "../../lib/net/proxy_protocol/encode.ts";
import { listenTlsProxied } from "../../lib/net/proxy_protocol/tls_listener.ts";
import { relay } from "../../lib/net/relay.ts";
import { clientHelloLength, readClientHello } from "../../lib/net/tls_client_hello.ts";
import { makePki } from "../_support/pki.ts";
import { tempDir } from "../_support/temp.ts";

Deno.test("clientHelloLength: records, split messages, not TLS", () => {
  const record = (body: number[]) => [0x16, 3, 1, body.length >> 8, body.length & 255, ...body];
  const hello = [1, 0, 0, 6, 1, 2, 3, 4, 5, 6];
  const one = new Uint8Array(record(hello));
  assert.equal(clientHelloLength(one), one.length);
  for (let n = 0; n < one.length; n++) {
    assert.equal(clientHelloLength(one.subarray(0, n)), undefined);
  }
  // The message across two records, then something after it.
  const two = new Uint8Array([...record(hello.slice(0, 6)), ...record(hello.slice(6)), 0x17]);
  assert.equal(clientHelloLength(two.subarray(0, 11)), undefined);
  assert.equal(clientHelloLength(two), two.length - 1);
  assert.equal(clientHelloLength(new TextEncoder().encode("GET / HTTP/1.1")), 14);
});

Deno.test("listenTlsProxied: header and ClientHello in one write complete their handshakes", async () => {
  const dir = await tempDir();
  const pki = await makePki(dir.path, [["b.test"]]);
  const leaf = pki.leaves["b.test"];
  const caCerts = [await Deno.readTextFile(pki.caFile)];
  const listener = listenTlsProxied({
    hostname: "127.0.0.1",
    port: 0,
    certs: { certFor: () => leaf },
    timeoutMs: 5000,
    onRejected: (_, e) => assert.fail(e.message),
  });
  // What a TLS client writes first is captured, then sent after a header in one write.
  const capture = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const header = encodeProxyHeader(
    "v2",
    { transport: "tcp", hostname: "127.0.0.2", port: 4000 },
    { transport: "tcp", hostname: "127.0.0.1", port: 443 },
  );
  try {
    for (let i = 0; i < 20; i++) {
      const client = await Deno.connectTls({
        hostname: "127.0.0.1",
        port: capture.addr.port,
        caCerts,
      });
      const accepted = listener.accept();
      const front = await capture.accept();
      const hello = await readClientHello(front, new Uint8Array(0));
      assert.ok(hello);
      const up = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
      const both = new Uint8Array(header.length + hello.length);
      both.set(header);
      both.set(hello, header.length);
      await up.write(both);
      const relayed = relay(front, up);
      const server = await accepted;
      assert.equal((server.remoteAddr as Deno.NetAddr).hostname, "127.0.0.2");
      const [info] = await Promise.all([server.handshake(), client.handshake()]);
      assert.ok(info);
      server.close();
      client.close();
      await relayed;
    }
  } finally {
    capture.close();
    listener.close();
    await dir.cleanup();
  }
});
