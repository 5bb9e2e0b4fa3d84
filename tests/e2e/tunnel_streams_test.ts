import assert from "node:assert/strict";
import { randomBytes, sha256 } from "../_support/bytes.ts";
import { closeQuietly, ping, roundTrip } from "../_support/io.ts";
import { echo, startServer } from "../_support/origins.ts";
import { freePort } from "../_support/ports.ts";
import { type Instance, startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";
import { clientToml, echoes, serverToml } from "../_support/tunnel_ends.ts";
import { eventually } from "../_support/wait.ts";

const STREAMS = 1000;
const BULK = 100 * 1024 * 1024;

Deno.test({
  name: "tunnel: 1000 concurrent streams on one session; a stalled stream does not slow " +
    "another moving 100 MiB",
  async fn() {
    const dir = await tempDir();
    const echoServer = startServer(echo);
    const ports = { bind: freePort(), tcp: freePort() };
    const server = await startInstance(
      dir.path,
      serverToml(ports, "max_streams = 4096"),
      [],
      "s.toml",
    );
    let client: Instance | undefined;
    const conns: Deno.TcpConn[] = [];
    try {
      client = await startInstance(
        dir.path,
        clientToml({
          servers: [ports.bind],
          mappings: [{ name: "echo", mode: "tcp", port: echoServer.port }],
        }).replace('heartbeat_timeout = "3s"', 'heartbeat_timeout = "3s"\nmax_streams = 4096'),
        [],
        "c.toml",
      );
      await eventually(() => echoes(ports.tcp), 10_000, "the tcp mapping");

      // 1000 streams open at once, each checked with its own echo.
      while (conns.length < STREAMS) {
        const batch = await Promise.all(
          Array.from(
            { length: Math.min(100, STREAMS - conns.length) },
            () => Deno.connect({ hostname: "127.0.0.1", port: ports.tcp }),
          ),
        );
        conns.push(...batch);
      }
      await Promise.all(conns.map((c, i) => ping(c, `s${i}`)));

      // One of them stalls: it keeps sending and never reads, until its window fills.
      const stalled = conns[0];
      const chunk = new Uint8Array(64 * 1024);
      let stalledSent = 0;
      const stalling = (async () => {
        try {
          while (stalledSent < 256 * 1024 * 1024) {
            await stalled.write(chunk);
            stalledSent += chunk.length;
          }
        } catch {
          // closed at the end of the test
        }
      })();

      // Meanwhile another moves 100 MiB byte-exact.
      const data = randomBytes(BULK);
      const back = await roundTrip(ports.tcp, data);
      assert.equal(back.length, BULK);
      assert.equal(await sha256(back), await sha256(data));
      assert.ok(stalledSent < 128 * 1024 * 1024, `the stalled stream got ${stalledSent} bytes in`);
      // The other streams still answer.
      await Promise.all(conns.slice(1, 50).map((c, i) => ping(c, `again${i}`)));
      closeQuietly(stalled);
      await stalling;
    } finally {
      conns.forEach(closeQuietly);
      await client?.kill();
      await server.kill();
      await echoServer.close();
      await dir.cleanup();
    }
  },
});
