import assert from "node:assert/strict";
import { ask, openIdle, openKeepAlive, rssKib, smallEcho } from "../_support/idle.ts";
import { closeQuietly, ping, readExactly, writeAll } from "../_support/io.ts";
import { startOrigin, startServer } from "../_support/origins.ts";
import { freePort } from "../_support/ports.ts";
import { startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";
import { eventually } from "../_support/wait.ts";

/** Connections per round: half relayed by the stream listener, half reverse keep-alive. */
const CONNECTIONS = 2000;
/**
 * Bytes each relayed connection echoes before going idle: the relay borrows 64 KiB buffers
 * while data streams, so a round leaves about 130 MiB of buffers beyond the pool's bound as
 * garbage (a burst), well above 1.5× the start, which V8 and glibc keep unless told.
 */
const BULK = 64 * 1024;
/** RSS must come back within this factor of its start ... */
const RATIO = 1.5;
/** ... within this long after the connections closed (ms). */
const DEADLINE_MS = 30_000;
const ROUNDS = 3;
/**
 * What each connection of rounds 2 and 3 may leave behind (KiB of RSS, measured after round 3
 * against after round 1): a correctness bound. Anything kept per closed connection (an entry in
 * a map, a watch, a closed socket) grows with them; the noise is about 1 MiB either way.
 */
const MAX_KIB_KEPT_PER_CONNECTION = 1.5;

const EXCHANGE = { request: "GET / HTTP/1.1\r\nHost: mem.test\r\n\r\n", body: "mem /" };

Deno.test({
  name: "memory comes back: after 2000 connections close RSS is within 1.5x of its start " +
    "within 30 s, and three rounds keep nothing per closed connection",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const dir = await tempDir();
    const echo = startServer(smallEcho);
    const origin = startOrigin("mem");
    const streamPort = freePort();
    const httpPort = freePort();
    const inst = await startInstance(
      dir.path,
      `
[[stream.server]]
bind_addr = "127.0.0.1:${streamPort}"
proxy_url = "tcp://127.0.0.1:${echo.port}"

[[http.server]]
bind_addr = "127.0.0.1:${httpPort}"
[[http.server.location]]
rule = "/"
proxy_url = "http://127.0.0.1:${origin.port}"
`,
    );
    const pid = inst.process.pid;
    const bulk = new Uint8Array(BULK).fill(7);
    const relay = async (c: Deno.Conn) => {
      await writeAll(c, bulk);
      await readExactly(c, BULK);
    };
    let conns: Deno.TcpConn[] = [];
    try {
      // Warm-up (fewer connections than a release needs): code compiled, pools filled.
      const warmStream = await openIdle(streamPort, 32);
      const warmHttp = await openKeepAlive(httpPort, 32, EXCHANGE);
      await Promise.all(warmStream.map(relay));
      await Promise.all(warmHttp.map(async (c) => {
        for (let i = 0; i < 20; i++) await ask(c, EXCHANGE);
      }));
      [...warmStream, ...warmHttp].forEach(closeQuietly);
      const start = rssKib(pid);
      const settled: number[] = [];
      for (let round = 1; round <= ROUNDS; round++) {
        conns = await openIdle(streamPort, CONNECTIONS / 2);
        for (let i = 0; i < conns.length; i += 100) {
          await Promise.all(conns.slice(i, i + 100).map(relay));
        }
        conns.push(...await openKeepAlive(httpPort, CONNECTIONS / 2, EXCHANGE));
        const peak = rssKib(pid);
        const mark = inst.lines.length;
        conns.forEach(closeQuietly);
        conns = [];
        const closedAt = Date.now();
        // The release is an event the instance logs: RSS is read after it, not at a guess.
        await inst.waitFor(/released memory/, mark, DEADLINE_MS);
        let now = peak;
        await eventually(
          () => (now = rssKib(pid)) <= start * RATIO,
          DEADLINE_MS,
          `round ${round}: RSS within ${RATIO}x of its start ${start} KiB (peak ${peak} KiB)`,
        ).catch((e) => {
          throw new Error(`${(e as Error).message}; last ${now} KiB`);
        });
        settled.push(now);
        console.log(
          `round ${round}: RSS start ${start} KiB, peak ${peak}, ${now} after ` +
            `${Date.now() - closedAt} ms`,
        );
      }
      const kept = settled[ROUNDS - 1] - settled[0];
      const bound = MAX_KIB_KEPT_PER_CONNECTION * CONNECTIONS * (ROUNDS - 1);
      assert.ok(
        kept <= bound,
        `RSS after round ${ROUNDS} is ${kept} KiB above round 1's (${settled.join(", ")} KiB), ` +
          `bound ${bound}`,
      );
      // Still serving.
      const [c] = await openIdle(streamPort, 1);
      await ping(c, "still here");
      closeQuietly(c);
    } finally {
      conns.forEach(closeQuietly);
      await inst.kill();
      await echo.close();
      await origin.close();
      await dir.cleanup();
    }
  },
});
