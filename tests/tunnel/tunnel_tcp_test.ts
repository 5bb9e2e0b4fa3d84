import assert from "node:assert/strict";
import { randomBytes, sha256 } from "../_support/bytes.ts";
import { roundTrip } from "../_support/io.ts";
import { startServer } from "../_support/origins.ts";
import {
  clientOptions,
  startTunnelClient,
  startTunnelServer,
  tcpMapping,
} from "../_support/tunnel.ts";

Deno.test("TunnelServer carries 16 MiB byte-exact through the tcp front to a client's echo service", async () => {
  const echo = startServer();
  const tunnel = startTunnelServer();
  const client = await startTunnelClient(
    clientOptions(tunnel.bindPort, [tcpMapping("echo", echo.port)]),
  );
  try {
    const status = tunnel.server.status();
    assert.equal(status.sessions.length, 1);
    assert.deepEqual(status.sessions[0].mappings, ["echo"]);
    assert.deepEqual(status.routes, [{ route: "tcp default", sessions: 1 }]);
    assert.equal(client.status().servers[0].state, "connected");

    const data = randomBytes(16 * 1024 * 1024);
    const back = await roundTrip(tunnel.tcpPort, data);
    assert.equal(back.length, data.length);
    assert.equal(await sha256(back), await sha256(data));
    assert.equal(echo.accepted(), 1);
  } finally {
    await client.stop(0);
    await tunnel.close();
    await echo.close();
  }
});
