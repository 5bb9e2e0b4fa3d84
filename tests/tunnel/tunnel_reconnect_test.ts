import assert from "node:assert/strict";
import { randomBytes } from "../_support/bytes.ts";
import { curlResponse } from "../_support/curl.ts";
import { closeQuietly, ping, roundTrip } from "../_support/io.ts";
import { startOrigin, startServer } from "../_support/origins.ts";
import { eventually } from "../_support/wait.ts";
import {
  clientOptions,
  serverOptions,
  sessionsReach,
  startTunnelClient,
  startTunnelServer,
  tcpMapping,
} from "../_support/tunnel.ts";

Deno.test("TunnelClient reconnects to a server restarted on the same port and the mapping works again", async () => {
  const echo = startServer();
  let tunnel = startTunnelServer();
  const port = tunnel.bindPort;
  const client = await startTunnelClient(clientOptions(port, [tcpMapping("echo", echo.port)]));
  try {
    const before = client.status().servers[0].session;
    await tunnel.close();
    await eventually(() => client.status().servers[0].state !== "connected", 5000, "disconnect");
    tunnel = startTunnelServer(serverOptions(), port);
    await sessionsReach(tunnel.server, 1, 5000);
    await eventually(() => client.status().servers[0].state === "connected", 5000, "reconnect");
    assert.notEqual(client.status().servers[0].session, before);
    const data = randomBytes(100_000);
    assert.deepEqual(await roundTrip(tunnel.tcpPort, data), data);
  } finally {
    await client.stop(0);
    await tunnel.close();
    await echo.close();
  }
});

Deno.test("TunnelClient.update() adds a mapping on the live session while an open stream keeps working", async () => {
  const echo = startServer();
  const origin = startOrigin("web");
  const tunnel = startTunnelServer();
  const options = clientOptions(tunnel.bindPort, [tcpMapping("echo", echo.port)]);
  const client = await startTunnelClient(options);
  const visitor = await Deno.connect({ hostname: "127.0.0.1", port: tunnel.tcpPort });
  try {
    await ping(visitor, "before");
    const session = client.status().servers[0].session;
    client.update({
      ...options,
      mappings: [...options.mappings, {
        name: "web",
        mode: "http",
        domains: ["app.test"],
        localAddr: `127.0.0.1:${origin.port}`,
      }],
    });
    await eventually(
      () => tunnel.server.status().routes.some((r) => r.route === "http app.test"),
      5000,
      "the new route",
    );
    await ping(visitor, "after");
    const answer = await curlResponse(
      "-H",
      "Host: app.test",
      `http://127.0.0.1:${tunnel.httpPort}/x`,
    );
    assert.equal(answer.body, "web /x");
    assert.equal(client.status().servers[0].session, session, "no reconnect");
    assert.deepEqual(tunnel.server.status().sessions[0].mappings, ["echo", "web"]);
    // curl's stream ends a moment after curl does; the visitor's stays.
    await eventually(() => tunnel.server.status().sessions[0].streams === 1, 5000, "1 stream");
    await ping(visitor, "still");
  } finally {
    closeQuietly(visitor);
    await client.stop(0);
    await tunnel.close();
    await origin.close();
    await echo.close();
  }
});

Deno.test("TunnelClient.update() with new credentials reconnects; with a removed server it disconnects", async () => {
  const tunnel = startTunnelServer();
  const options = clientOptions(tunnel.bindPort, [tcpMapping("a", 9)]);
  const client = await startTunnelClient(options);
  try {
    const first = client.status().servers[0].session;
    tunnel.server.update(serverOptions({ password: "changed" }));
    client.update({ ...options, password: "changed" });
    await eventually(
      () => {
        const s = client.status().servers[0];
        return s.state === "connected" && s.session !== first;
      },
      5000,
      "a new session",
    );
    await sessionsReach(tunnel.server, 1);
    client.update({ ...options, password: "changed", servers: [] });
    await sessionsReach(tunnel.server, 0);
    assert.deepEqual(client.status().servers, []);
  } finally {
    await client.stop(0);
    await tunnel.close();
  }
});
