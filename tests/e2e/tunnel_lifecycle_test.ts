import assert from "node:assert/strict";
import { echo, startServer, tagged } from "../_support/origins.ts";
import { freePort, refuses } from "../_support/ports.ts";
import { control, type Instance, startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";
import { answerOf, clientToml, echoes, EchoStream, serverToml } from "../_support/tunnel_ends.ts";
import { eventually } from "../_support/wait.ts";

Deno.test({
  name: "tunnel: a client reload adds one mapping and removes another on the live session " +
    "while a stream through a third keeps echoing",
  async fn() {
    const dir = await tempDir();
    const echoServer = startServer(echo);
    const oldOrigin = startServer(tagged("old"));
    const newOrigin = startServer(tagged("new"));
    const ports = { bind: freePort(), tcp: freePort() };
    const [oldPort, newPort] = [freePort(), freePort()];
    const server = await startInstance(
      dir.path,
      serverToml(ports, `allow_ports = "${oldPort}, ${newPort}"`),
      [],
      "s.toml",
    );
    const ctl = freePort();
    const stay = { name: "stay", mode: "tcp" as const, port: echoServer.port };
    let client: Instance | undefined;
    let stream: EchoStream | undefined;
    try {
      client = await startInstance(
        dir.path,
        clientToml({
          servers: [ports.bind],
          control: ctl,
          mappings: [stay, { name: "old", mode: "tcp", port: oldOrigin.port, remoteBind: oldPort }],
        }),
        [],
        "c.toml",
      );
      await eventually(() => echoes(ports.tcp), 10_000, "the stay mapping");
      await eventually(async () => await answerOf(oldPort) === "old", 10_000, "the old mapping");
      stream = await EchoStream.open(ports.tcp);
      assert.ok(await stream.echo("before"));

      // A client has no listeners of its own; its reload is not taken for an empty file.
      await Deno.writeTextFile(
        client.configPath,
        clientToml({
          servers: [ports.bind],
          control: ctl,
          mappings: [stay, { name: "new", mode: "tcp", port: newOrigin.port, remoteBind: newPort }],
        }),
      );
      const from = server.lines.length;
      const r = await control(`http://127.0.0.1:${ctl}`, "reload");
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.ok(await stream.echo("right after the reload"));
      await eventually(async () => await answerOf(newPort) === "new", 5000, "the new mapping");
      await eventually(() => refuses(oldPort), 5000, "the old remote_bind to close");
      assert.ok(await stream.echo("after the mappings changed"));
      assert.equal(await stream.finish(), "");
      // Same session: the mappings went over the control stream, no reconnect.
      assert.equal(
        server.lines.slice(from).filter((l) => /session \S+ from \S+ (up|ended)/.test(l)).length,
        0,
      );
    } finally {
      stream?.close();
      await client?.kill();
      await server.kill();
      await echoServer.close();
      await oldOrigin.close();
      await newOrigin.close();
      await dir.cleanup();
    }
  },
});

Deno.test({
  name: "tunnel: /stop on the server lets an open tunneled stream finish within " +
    "shutdown_timeout while new visitors are refused",
  async fn() {
    const dir = await tempDir();
    const echoServer = startServer(echo);
    const ctl = freePort();
    const ports = { bind: freePort(), tcp: freePort(), control: ctl };
    const server = await startInstance(dir.path, serverToml(ports), [], "s.toml");
    let client: Instance | undefined;
    let stream: EchoStream | undefined;
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
      await eventually(() => echoes(ports.tcp), 10_000, "the mapping");
      stream = await EchoStream.open(ports.tcp);
      assert.ok(await stream.echo("before the stop"));

      const stopAt = performance.now();
      const r = await control(`http://127.0.0.1:${ctl}`, "stop");
      assert.equal(r.status, 200, JSON.stringify(r.body));
      await eventually(() => refuses(ports.tcp), 3000, "map_tcp_bind to stop accepting");
      // shutdown_timeout is 5 s: the open stream still works well inside it.
      assert.ok(await stream.echo("during the drain"));
      // Still running a second into the drain: it waits for the stream, not just a moment.
      const early = await Promise.race([
        server.exited().then(() => "exited"),
        new Promise((r) => setTimeout(() => r("running"), 1000)),
      ]);
      assert.equal(early, "running");
      assert.ok(await stream.echo("still draining"));
      assert.equal(await stream.finish(), "");
      const status = await server.exited();
      const took = performance.now() - stopAt;
      console.log(`server exited ${Math.round(took)} ms after /stop, once its stream ended`);
      assert.equal(status.code, 0);
      assert.ok(
        took < 5000,
        `exited after ${Math.round(took)} ms: the drain ended with the stream`,
      );
    } finally {
      stream?.close();
      await client?.kill();
      await server.kill();
      await echoServer.close();
      await dir.cleanup();
    }
  },
});
