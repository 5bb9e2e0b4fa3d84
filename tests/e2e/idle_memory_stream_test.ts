import assert from "node:assert/strict";
import { openMany, rssKib, smallEcho } from "../_support/idle_memory.ts";
import { closeQuietly, ping, readExactly, writeAll } from "../_support/io.ts";
import { startServer } from "../_support/origins.ts";
import { freePort } from "../_support/ports.ts";
import { startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";

const CONNECTIONS = 1000;
// A correctness bound, not a benchmark: the relay used to hold a 64 KiB buffer per direction
// from the first byte on (about 100 KiB per idle connection); an idle one now waits with a small
// buffer per direction (see lib/net/read_buffer.ts).
const MAX_KIB_PER_CONNECTION = 24;

/** Opens `count` connections to `port`, 64 at a time, each checked with a one-byte echo. */
function openIdle(port: number, count: number): Promise<Deno.TcpConn[]> {
  return openMany(count, async () => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await ping(conn, "x");
    return conn;
  });
}

Deno.test({
  name: "stream tcp: 1000 idle relayed connections cost a few KiB of RSS each, not a copy buffer",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const dir = await tempDir();
    const origin = startServer(smallEcho);
    const port = freePort();
    const inst = await startInstance(
      dir.path,
      `
[[stream.server]]
bind_addr = "127.0.0.1:${port}"
proxy_url = "tcp://127.0.0.1:${origin.port}"
`,
    );
    let conns: Deno.TcpConn[] = [];
    try {
      const pid = inst.process.pid;
      // Warm-up: the first connections load code paths and fill the buffer pool.
      const warm = await openIdle(port, 32);
      const bulk = new Uint8Array(256 * 1024).fill(7);
      await Promise.all(warm.map(async (c) => {
        await writeAll(c, bulk);
        await readExactly(c, bulk.length);
      }));
      warm.forEach(closeQuietly);
      // A first batch, not counted: the JS heap grows to hold that many connections' objects
      // (a step whose size depends on when the collector runs); the second batch shows the slope.
      const first = await openIdle(port, CONNECTIONS);
      const before = rssKib(pid);

      conns = [...first, ...await openIdle(port, CONNECTIONS)];
      // A few of them move bulk data first (the relay borrows big buffers), then go quiet.
      await Promise.all(
        conns.slice(CONNECTIONS, CONNECTIONS + 16).map(async (c) => {
          await writeAll(c, bulk);
          await readExactly(c, bulk.length);
          await ping(c, "y");
        }),
      );
      const open = rssKib(pid);
      const perConnection = (open - before) / CONNECTIONS;
      assert.ok(
        perConnection < MAX_KIB_PER_CONNECTION,
        `${
          perConnection.toFixed(1)
        } KiB RSS per idle connection (before ${before} KiB, with ${CONNECTIONS} open ${open} KiB)`,
      );
      // Still relaying after the measurement.
      await Promise.all(conns.slice(-8).map((c) => ping(c, "still here")));
    } finally {
      conns.forEach(closeQuietly);
      await inst.kill();
      await origin.close();
      await dir.cleanup();
    }
  },
});
