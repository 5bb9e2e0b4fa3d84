import assert from "node:assert/strict";
import { createSelfSigned } from "../../lib/pki/self_signed.ts";
import { connNoDelay } from "../../lib/net/tcp_no_delay.ts";
import { listenTlsSni } from "../../lib/net/tls_listen.ts";

Deno.test("a TLS listener accepts connections with Nagle's algorithm off", async () => {
  const pair = await createSelfSigned({ names: ["127.0.0.1"] });
  const listener = listenTlsSni({
    hostname: "127.0.0.1",
    port: 0,
    certs: { certFor: () => ({ cert: pair.certPem, key: pair.keyPem }) },
  });
  const port = listener.addr.port;
  const accepted = listener.accept();
  const client = await Deno.connectTls({ hostname: "127.0.0.1", port, caCerts: [pair.certPem] });
  const server = await accepted;
  try {
    const clientPort = (client.localAddr as Deno.NetAddr).port;
    // Deno's own TLS connections keep Nagle on: the check can tell the two apart.
    assert.equal(connNoDelay(clientPort, port), false);
    assert.equal(connNoDelay(port, clientPort), true);
  } finally {
    client.close();
    server.close();
    listener.close();
  }
});
