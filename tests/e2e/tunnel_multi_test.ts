import assert from "node:assert/strict";
import { echo, startServer, tagged } from "../_support/origins.ts";
import { freePort } from "../_support/ports.ts";
import { type Instance, startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";
import { answerOf, clientToml, echoes, serverToml } from "../_support/tunnel_ends.ts";
import { eventually } from "../_support/wait.ts";

Deno.test({
  name: "tunnel: two clients serving one tcp mapping both get visitors; once one is killed " +
    "every visitor goes to the other",
  async fn() {
    const dir = await tempDir();
    const originA = startServer(tagged("A"));
    const originB = startServer(tagged("B"));
    const ports = { bind: freePort(), tcp: freePort() };
    const server = await startInstance(dir.path, serverToml(ports), [], "s.toml");
    const clients: (Instance | undefined)[] = [];
    try {
      for (const [name, origin] of [["a", originA], ["b", originB]] as const) {
        clients.push(
          await startInstance(
            dir.path,
            clientToml({
              servers: [ports.bind],
              mappings: [{ name: "shared", mode: "tcp", port: origin.port }],
            }),
            [],
            `${name}.toml`,
          ),
        );
      }
      await server.waitFor(/tunnel session \S+ from \S+ up/);
      // Both sessions registered: visitors take turns between them.
      await eventually(
        async () => {
          const seen = new Set<string | null>();
          for (let i = 0; i < 6; i++) seen.add(await answerOf(ports.tcp));
          return seen.has("A") && seen.has("B");
        },
        10_000,
        "both clients to get visitors",
      );

      const from = server.lines.length;
      await clients[0]!.kill();
      clients[0] = undefined;
      await server.waitFor(/tunnel session \S+ from \S+ ended/, from, 5000);
      const answers: (string | null)[] = [];
      for (let i = 0; i < 8; i++) answers.push(await answerOf(ports.tcp));
      assert.deepEqual(answers, Array(8).fill("B"));
    } finally {
      for (const c of clients) await c?.kill();
      await server.kill();
      await originA.close();
      await originB.close();
      await dir.cleanup();
    }
  },
});

Deno.test({
  name: "tunnel: a client of two servers publishes its tcp mapping on both; with one killed " +
    "the other still serves it",
  async fn() {
    const dir = await tempDir();
    const echoServer = startServer(echo);
    const a = { bind: freePort(), tcp: freePort() };
    const b = { bind: freePort(), tcp: freePort() };
    let serverA: Instance | undefined = await startInstance(dir.path, serverToml(a), [], "a.toml");
    const serverB = await startInstance(dir.path, serverToml(b), [], "b.toml");
    let client: Instance | undefined;
    try {
      client = await startInstance(
        dir.path,
        clientToml({
          servers: [a.bind, b.bind],
          mappings: [{ name: "echo", mode: "tcp", port: echoServer.port }],
        }),
        [],
        "c.toml",
      );
      await eventually(() => echoes(a.tcp), 10_000, "the mapping via server A");
      await eventually(() => echoes(b.tcp), 10_000, "the mapping via server B");

      await serverA.kill();
      serverA = undefined;
      for (let i = 0; i < 5; i++) assert.ok(await echoes(b.tcp, `via B ${i}`), "via B");
      // The client keeps B and retries A in the background.
      await client.waitFor(/tunnel session \S+ to 127\.0\.0\.1:\d+ ended/);
      assert.ok(await echoes(b.tcp, "still via B"));
    } finally {
      await client?.kill();
      await serverA?.kill();
      await serverB.kill();
      await echoServer.close();
      await dir.cleanup();
    }
  },
});
