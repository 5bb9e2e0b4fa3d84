import assert from "node:assert/strict";
import { assertUnder, idleCost, openMany, smallEcho } from "../_support/idle_memory.ts";
import { closeQuietly, ping, readExactly, writeAll } from "../_support/io.ts";
import { startServer } from "../_support/origins.ts";
import { freePort } from "../_support/ports.ts";
import { startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";

const CONNECTIONS = 1000;
/**
 * A correctness bound, not a benchmark: a tunnel is a relay (two sockets in the proxy, about
 * 12 KiB in Deno alone: bench/floor/idle_floor.ts), measured near 30 KiB for the first 1000
 * (the JS heap's young generation grows with them); a 64 KiB buffer held in either direction
 * fails it.
 */
const MAX_KIB_PER_TUNNEL = 48;

/** Opens a SOCKS5 CONNECT tunnel to `origin` through the proxy at `port`, checked by an echo. */
async function socksTunnel(port: number, origin: number): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await writeAll(conn, new Uint8Array([5, 1, 0]));
  assert.deepEqual([...await readExactly(conn, 2)], [5, 0]);
  await writeAll(conn, new Uint8Array([5, 1, 0, 1, 127, 0, 0, 1, origin >> 8, origin & 255]));
  assert.equal((await readExactly(conn, 10))[1], 0, "SOCKS5 reply succeeded");
  await ping(conn, "x");
  return conn;
}

Deno.test({
  name: "socks5: 1000 idle tunnels cost a relay's few KiB of RSS each, not a copy buffer",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const dir = await tempDir();
    const origin = startServer(smallEcho);
    const port = freePort();
    const inst = await startInstance(
      dir.path,
      `
[proxy]
bind_addr = "127.0.0.1:${port}"
`,
    );
    const conns: Deno.TcpConn[] = [];
    try {
      const open = () => socksTunnel(port, origin.port);
      // Warm-up: code paths compiled, the buffer pool filled by a few bulk transfers.
      const warm = await openMany(32, open);
      const bulk = new Uint8Array(256 * 1024).fill(7);
      await Promise.all(warm.map(async (c) => {
        await writeAll(c, bulk);
        await readExactly(c, bulk.length);
      }));
      warm.forEach(closeQuietly);
      const cost = await idleCost("socks5 tunnel", inst.process.pid, CONNECTIONS, async () => {
        conns.push(...await openMany(CONNECTIONS, open));
      });
      assertUnder(cost, MAX_KIB_PER_TUNNEL, CONNECTIONS);
      await Promise.all(conns.slice(-8).map((c) => ping(c, "still here")));
    } finally {
      conns.forEach(closeQuietly);
      await inst.kill();
      await origin.close();
      await dir.cleanup();
    }
  },
});
