import assert from "node:assert/strict";
import { captureLogs, messageOf } from "../_support/logs.ts";
import { startServer } from "../_support/origins.ts";
import { eventually } from "../_support/wait.ts";
import { TunnelClient } from "../../lib/tunnel/client/client.ts";
import {
  clientOptions,
  serverOptions,
  startTunnelClient,
  startTunnelServer,
  tcpMapping,
} from "../_support/tunnel.ts";

Deno.test("TunnelClient with a wrong password ends up denied and the server logs it once", async () => {
  const logs = await captureLogs();
  const tunnel = startTunnelServer();
  const client = new TunnelClient(clientOptions(tunnel.bindPort, [tcpMapping("echo", 9)], {
    password: "wrong",
    backoff: { minMs: 100, maxMs: 60_000 },
  }));
  client.start();
  try {
    await eventually(() => client.status().servers[0].state === "denied", 5000, "denied");
    const status = client.status().servers[0];
    assert.equal(status.session, null);
    assert.notEqual(status.retry_at, null);
    assert.equal(tunnel.server.status().sessions.length, 0);
    const serverLines = logs.records.filter((r) =>
      messageOf(r).includes("denied: bad credentials") && r.category.join(".") === "wmproxy.tunnel"
    );
    assert.equal(serverLines.length, 1, serverLines.map(messageOf).join("\n"));
    assert.equal(serverLines[0].level, "warning");
    assert.ok(!messageOf(serverLines[0]).includes("wrong"), "the password is not logged");
  } finally {
    await client.stop(0);
    await tunnel.close();
    await logs.stop();
  }
});

Deno.test("TunnelServer denies a client over maxSessions as server full", async () => {
  const tunnel = startTunnelServer(serverOptions({ maxSessions: 1 }));
  const first = await startTunnelClient(clientOptions(tunnel.bindPort, [tcpMapping("a", 9)]));
  const second = new TunnelClient(clientOptions(tunnel.bindPort, [tcpMapping("b", 9)], {
    backoff: { minMs: 100, maxMs: 60_000 },
  }));
  second.start();
  try {
    await eventually(() => second.status().servers[0].state === "denied", 5000, "denied");
    assert.equal(tunnel.server.status().sessions.length, 1);
    assert.equal(first.status().servers[0].state, "connected");
  } finally {
    await second.stop(0);
    await first.stop(0);
    await tunnel.close();
  }
});

Deno.test("TunnelClient reports the mappings the server refused, and the server routes the rest", async () => {
  const echo = startServer();
  const tunnel = startTunnelServer(serverOptions({
    policy: { fronts: { http: false, https: false, tcp: true, proxy: false }, allowPorts: [] },
  }));
  const client = await startTunnelClient(clientOptions(tunnel.bindPort, [
    tcpMapping("echo", echo.port),
    { name: "web", mode: "http", domains: ["a.test"], localAddr: "127.0.0.1:9" },
    { ...tcpMapping("far", 9), remoteBind: "0.0.0.0:2222" },
  ]));
  try {
    const status = client.status().servers[0];
    assert.equal(status.state, "connected");
    assert.deepEqual(status.refused, [
      { name: "web", reason: "this server has no map_http_bind" },
      { name: "far", reason: "port 2222 is not in this server's allow_ports" },
    ]);
    assert.equal(status.session, tunnel.server.status().sessions[0].id);
    assert.deepEqual(tunnel.server.status().sessions[0].mappings, ["echo"]);
    assert.deepEqual(tunnel.server.tcpBinds(), []);
  } finally {
    await client.stop(0);
    await tunnel.close();
    await echo.close();
  }
});
