import assert from "node:assert/strict";
import { decoder, randomBytes, sha256 } from "../_support/bytes.ts";
import { acceptLoop } from "../_support/accept.ts";
import { exchange, roundTrip } from "../_support/io.ts";
import { freePort } from "../_support/ports.ts";
import { startServer, tagged } from "../_support/origins.ts";
import {
  clientOptions,
  serverOptions,
  sessionsReach,
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

Deno.test("TunnelServer alternates visitors between two clients serving one route, then uses the one left", async () => {
  const originA = startServer(tagged("A"));
  const originB = startServer(tagged("B"));
  const tunnel = startTunnelServer();
  const clientA = await startTunnelClient(
    clientOptions(tunnel.bindPort, [tcpMapping("svc", originA.port)]),
  );
  const clientB = await startTunnelClient(
    clientOptions(tunnel.bindPort, [tcpMapping("svc", originB.port)]),
  );
  try {
    await sessionsReach(tunnel.server, 2);
    assert.deepEqual(tunnel.server.status().routes, [{ route: "tcp default", sessions: 2 }]);
    const tags: string[] = [];
    for (let i = 0; i < 6; i++) tags.push(decoder.decode(await exchange(tunnel.tcpPort, "")));
    for (let i = 1; i < tags.length; i++) assert.notEqual(tags[i], tags[i - 1], tags.join(","));
    assert.deepEqual(new Set(tags), new Set(["A", "B"]));

    await clientA.stop(0);
    await sessionsReach(tunnel.server, 1);
    for (let i = 0; i < 4; i++) {
      assert.equal(decoder.decode(await exchange(tunnel.tcpPort, "")), "B");
    }
  } finally {
    await clientA.stop(0);
    await clientB.stop(0);
    await tunnel.close();
    await originA.close();
    await originB.close();
  }
});

Deno.test("TunnelServer closes a tcp visitor at once when no client serves the front", async () => {
  const tunnel = startTunnelServer();
  try {
    assert.equal((await exchange(tunnel.tcpPort, "hello")).length, 0);
  } finally {
    await tunnel.close();
  }
});

Deno.test("TunnelServer exposes a remote_bind inside allow_ports: tcpBinds() and onBindsChanged follow the client", async () => {
  const echo = startServer();
  const bindPort = freePort();
  const bind = `127.0.0.1:${bindPort}`;
  const tunnel = startTunnelServer(serverOptions({
    policy: {
      fronts: { http: false, https: false, tcp: false, proxy: false },
      allowPorts: [{ low: bindPort, high: bindPort }],
    },
  }));
  let changes = 0;
  tunnel.server.onBindsChanged = () => changes++;
  // What the program does on onBindsChanged: listen on the address and feed serveTcp.
  const front = acceptLoop(
    Deno.listen({ hostname: "127.0.0.1", port: bindPort }),
    (conn) => tunnel.server.serveTcp(conn, bind),
  );
  const client = await startTunnelClient(clientOptions(tunnel.bindPort, [
    { ...tcpMapping("echo", echo.port), remoteBind: bind },
  ]));
  try {
    assert.deepEqual(tunnel.server.tcpBinds(), [bind]);
    assert.equal(changes, 1);
    const data = randomBytes(300_000);
    assert.deepEqual(await roundTrip(bindPort, data), data);
    await client.stop(0);
    await sessionsReach(tunnel.server, 0);
    assert.deepEqual(tunnel.server.tcpBinds(), []);
    assert.equal(changes, 2);
  } finally {
    await client.stop(0);
    await front.close();
    await tunnel.close();
    await echo.close();
  }
});
