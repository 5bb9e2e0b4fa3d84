import assert from "node:assert/strict";
import { status } from "../_support/curl.ts";
import { echo, startOrigin, startServer } from "../_support/origins.ts";
import { freePort } from "../_support/ports.ts";
import { type Instance, startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";
import { answerOf, clientToml, echoes, serverToml } from "../_support/tunnel_ends.ts";
import { eventually } from "../_support/wait.ts";

Deno.test({
  name: "tunnel: a server killed and restarted on the same ports is served again by the " +
    "client within 5 s of the restart",
  async fn() {
    const dir = await tempDir();
    const echoServer = startServer(echo);
    const ports = { bind: freePort(), tcp: freePort() };
    let server: Instance | undefined = await startInstance(
      dir.path,
      serverToml(ports),
      [],
      "s.toml",
    );
    let client: Instance | undefined;
    try {
      client = await startInstance(
        dir.path,
        clientToml({
          servers: [ports.bind],
          mappings: [{ name: "echo", mode: "tcp", port: echoServer.port }],
        }),
        [],
        "c.toml",
      );
      await eventually(() => echoes(ports.tcp), 10_000, "the tcp mapping to answer");

      await server.kill();
      server = undefined;
      const restart = performance.now();
      server = await startInstance(dir.path, serverToml(ports), [], "s.toml");
      const ready = performance.now();
      await eventually(() => echoes(ports.tcp), 10_000, "the tcp mapping to answer again");
      const back = performance.now() - ready;
      console.log(
        `restart: process ready in ${Math.round(ready - restart)} ms, ` +
          `mapping served ${Math.round(back)} ms after that`,
      );
      assert.ok(back < 5000, `served again ${Math.round(back)} ms after the restart`);
    } finally {
      await client?.kill();
      await server?.kill();
      await echoServer.close();
      await dir.cleanup();
    }
  },
});

Deno.test({
  name: "tunnel: a client stopped with SIGSTOP is dropped by the server within its heartbeat " +
    "timeout (http 502, tcp closed) and comes back after SIGCONT",
  async fn() {
    const dir = await tempDir();
    const echoServer = startServer(echo);
    const origin = startOrigin("inside");
    const ports = { bind: freePort(), tcp: freePort(), http: freePort() };
    const server = await startInstance(dir.path, serverToml(ports), [], "s.toml");
    let client: Instance | undefined;
    let stopped = false;
    const web = () =>
      status(`http://127.0.0.1:${ports.http}/`, "-H", "Host: app.test", "--max-time", "1");
    try {
      client = await startInstance(
        dir.path,
        clientToml({
          servers: [ports.bind],
          mappings: [
            { name: "echo", mode: "tcp", port: echoServer.port },
            { name: "web", mode: "http", port: origin.port, domain: "app.test" },
          ],
        }),
        [],
        "c.toml",
      );
      await eventually(() => echoes(ports.tcp), 10_000, "the tcp mapping to answer");
      assert.equal(await web(), 200);

      const from = server.lines.length;
      client.process.kill("SIGSTOP");
      stopped = true;
      const stoppedAt = performance.now();
      // heartbeat_interval 1 s, heartbeat_timeout 3 s: silent for 3 s, seen at the next check.
      await server.waitFor(/tunnel session \S+ from \S+ ended/, from, 8000);
      const detected = performance.now() - stoppedAt;
      console.log(`silent client dropped ${Math.round(detected)} ms after SIGSTOP`);
      assert.ok(detected < 3000 + 1000 + 700, `dropped after ${Math.round(detected)} ms`);
      assert.equal(await web(), 502, "no client serves app.test now");
      assert.equal(await answerOf(ports.tcp), "", "map_tcp_bind closes the visitor");

      client.process.kill("SIGCONT");
      stopped = false;
      await eventually(() => echoes(ports.tcp), 10_000, "the client to come back");
      assert.equal(await web(), 200);
    } finally {
      if (stopped) client?.process.kill("SIGCONT");
      await client?.kill();
      await server.kill();
      await echoServer.close();
      await origin.close();
      await dir.cleanup();
    }
  },
});
