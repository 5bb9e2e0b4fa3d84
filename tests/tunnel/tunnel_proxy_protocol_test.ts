import assert from "node:assert/strict";
import { readProxyHeader } from "../../lib/net/proxy_protocol.ts";
import { startServer } from "../_support/origins.ts";
import {
  clientOptions,
  startTunnelClient,
  startTunnelServer,
  tcpMapping,
} from "../_support/tunnel.ts";

for (const version of ["v1", "v2"] as const) {
  Deno.test(`tunnel: send_proxy_protocol = "${version}" tells the local service the visitor's address`, async () => {
    let seen!: (s: string) => void;
    const source = new Promise<string>((r) => seen = r);
    const local = startServer(async (conn) => {
      const { header, rest } = await readProxyHeader(conn);
      assert.equal(header.kind, "proxy");
      if (header.kind === "proxy") {
        assert.equal(header.version, version === "v1" ? 1 : 2);
        seen(`${header.source.hostname}:${header.source.port}`);
      }
      await conn.write(rest.length > 0 ? rest : new TextEncoder().encode("?"));
      conn.close();
    });
    const tunnel = startTunnelServer();
    const client = await startTunnelClient(
      clientOptions(tunnel.bindPort, [{
        ...tcpMapping("pp", local.port),
        sendProxyProtocol: version,
      }]),
    );
    try {
      const visitor = await Deno.connect({ hostname: "127.0.0.1", port: tunnel.tcpPort });
      await visitor.write(new TextEncoder().encode("x"));
      const buf = new Uint8Array(8);
      const n = await visitor.read(buf);
      assert.equal(new TextDecoder().decode(buf.subarray(0, n ?? 0)), "x");
      const { hostname, port } = visitor.localAddr;
      assert.equal(await source, `${hostname}:${port}`);
      visitor.close();
    } finally {
      await client.stop(0);
      await tunnel.close();
      await local.close();
    }
  });
}
