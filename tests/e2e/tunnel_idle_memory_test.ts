import assert from "node:assert/strict";
import { type IdleCost, openMany, rssKib, smallEcho } from "../_support/idle_memory.ts";
import { closeQuietly, ping, readExactly, writeAll } from "../_support/io.ts";
import { startServer } from "../_support/origins.ts";
import { freePort } from "../_support/ports.ts";
import { type Instance, startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";
import { clientToml, echoes, serverToml } from "../_support/tunnel_ends.ts";
import { eventually } from "../_support/wait.ts";

/** Streams open before the measured ones (the JS heap's young generation grows with them). */
const UNCOUNTED = 200;
const STREAMS = 500;
/**
 * A correctness bound, not a benchmark: an idle stream through the tunnel holds one socket with
 * a pending read at each end, about 13 KiB in Deno alone for both ends
 * (`deno run -A bench/floor/idle_floor.ts ends`), measured near 30 KiB (server + client) in
 * steps like this one; a 64 KiB buffer held per stream at either end fails it.
 */
const MAX_KIB_PER_STREAM = 64;

/** Opens a connection through the tcp mapping, checked with a one-byte echo. */
async function openStream(port: number): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await ping(conn, "x");
  return conn;
}

Deno.test({
  name: "tunnel: 500 idle streams cost both ends a few KiB of RSS each, not a copy buffer",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const dir = await tempDir();
    const origin = startServer(smallEcho);
    const ports = { bind: freePort(), tcp: freePort() };
    const server = await startInstance(dir.path, serverToml(ports), [], "s.toml");
    let client: Instance | undefined;
    const conns: Deno.TcpConn[] = [];
    try {
      client = await startInstance(
        dir.path,
        clientToml({
          servers: [ports.bind],
          mappings: [{ name: "echo", mode: "tcp", port: origin.port }],
        }),
        [],
        "c.toml",
      );
      await eventually(() => echoes(ports.tcp), 10_000, "the tcp mapping");
      const open = () => openStream(ports.tcp);
      // Warm-up: code paths compiled, the buffer pools filled by a few bulk transfers.
      const warm = await openMany(32, open);
      const bulk = new Uint8Array(256 * 1024).fill(7);
      await Promise.all(warm.map(async (c) => {
        await writeAll(c, bulk);
        await readExactly(c, bulk.length);
      }));
      warm.forEach(closeQuietly);
      conns.push(...await openMany(UNCOUNTED, open));

      const pids = [server.process.pid, client.process.pid];
      const before = pids.map((pid) => rssKib(pid));
      const measured = await openMany(STREAMS, open);
      conns.push(...measured);
      // A few of them move bulk data first (each end borrows big buffers), then go quiet.
      await Promise.all(
        measured.slice(0, 16).map(async (c) => {
          await writeAll(c, bulk);
          await readExactly(c, bulk.length);
          await ping(c, "y");
        }),
      );
      const after = pids.map((pid) => rssKib(pid));
      const ends = pids.map((_, i) => (after[i] - before[i]) / STREAMS);
      const cost: IdleCost = {
        before: before[0] + before[1],
        open: after[0] + after[1],
        perConnection: ends[0] + ends[1],
      };
      if (Deno.env.get("WMPROXY_IDLE_REPORT")) {
        console.log(
          `[idle] tunnel stream: server ${ends[0].toFixed(1)} + client ${
            ends[1].toFixed(1)
          } KiB/stream (N=${UNCOUNTED} -> ${UNCOUNTED + STREAMS})`,
        );
      }
      assert.ok(
        cost.perConnection < MAX_KIB_PER_STREAM,
        `${cost.perConnection.toFixed(1)} KiB RSS per idle stream (server ${
          ends[0].toFixed(1)
        }, client ${ends[1].toFixed(1)}), bound ${MAX_KIB_PER_STREAM} (server + client ` +
          `before ${cost.before} KiB, with ${STREAMS} more open ${cost.open} KiB)`,
      );
      // Still carried after the measurement.
      await Promise.all(conns.slice(-8).map((c) => ping(c, "still here")));
    } finally {
      conns.forEach(closeQuietly);
      await client?.kill();
      await server.kill();
      await origin.close();
      await dir.cleanup();
    }
  },
});
