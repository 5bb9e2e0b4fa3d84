/**
 * Latency sanity check, not a test: 1-byte ping-pong on one mux stream (µs per round trip),
 * and many concurrent small request/response exchanges over one session (exchanges/s), next to
 * plain TCP ping-pong for comparison.
 *
 *   deno run -A tests/tunnel/mux_latency.ts [--rounds 20000] [--streams 64] [--size 64]
 *     [--only tcp|rtt|many]
 * @module
 */
import { parseArgs } from "node:util";
import { muxPair, tcpPair } from "../_support/mux.ts";
import type { MuxStream } from "../../lib/tunnel/mux/stream.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "20000" },
    streams: { type: "string", default: "64" },
    size: { type: "string", default: "64" },
    only: { type: "string", default: "" },
  },
});
const rounds = Number(values.rounds);
const streams = Number(values.streams);
const size = Number(values.size);

interface Duplex {
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
}

async function readFull(conn: Duplex, buf: Uint8Array): Promise<void> {
  let got = 0;
  while (got < buf.length) {
    const n = await conn.read(buf.subarray(got));
    if (n === null) throw new Error("unexpected end");
    got += n;
  }
}

/** Echo side: reads `len` bytes, writes them back, `count` times. */
async function echo(conn: Duplex, len: number, count: number): Promise<void> {
  const buf = new Uint8Array(len);
  for (let i = 0; i < count; i++) {
    await readFull(conn, buf);
    await conn.write(buf);
  }
}

async function pingPong(a: Duplex, b: Duplex, len: number, count: number): Promise<number> {
  const echoing = echo(b, len, count);
  const msg = new Uint8Array(len);
  const buf = new Uint8Array(len);
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    await a.write(msg);
    await readFull(a, buf);
  }
  const ms = performance.now() - started;
  await echoing;
  return ms;
}

async function tcpRoundTrip(): Promise<void> {
  const [a, b] = await tcpPair();
  a.setNoDelay(true);
  b.setNoDelay(true);
  await pingPong(a, b, 1, 1000);
  const ms = await pingPong(a, b, 1, rounds);
  console.log(`plain TCP 1-byte round trip: ${(ms * 1000 / rounds).toFixed(1)} µs`);
  a.close();
  b.close();
}

async function muxRoundTrip(): Promise<void> {
  const pair = await muxPair({ keepAliveInterval: 0 });
  const stream = await pair.client.open();
  await stream.write(new Uint8Array(1));
  const peer = (await pair.server.accept())!;
  await readFull(peer, new Uint8Array(1));
  await pingPong(stream, peer, 1, 1000);
  const ms = await pingPong(stream, peer, 1, rounds);
  console.log(`mux 1-byte round trip: ${(ms * 1000 / rounds).toFixed(1)} µs`);
  await pair.close();
}

async function muxConcurrent(): Promise<void> {
  const pair = await muxPair({ keepAliveInterval: 0 });
  const perStream = Math.max(1, Math.floor(rounds / streams));
  const clients: MuxStream[] = [];
  const servers: MuxStream[] = [];
  for (let i = 0; i < streams; i++) {
    const s = await pair.client.open();
    await s.write(new Uint8Array(1));
    const peer = (await pair.server.accept())!;
    await readFull(peer, new Uint8Array(1));
    clients.push(s);
    servers.push(peer);
  }
  const started = performance.now();
  await Promise.all(clients.map((s, i) => pingPong(s, servers[i], size, perStream)));
  const ms = performance.now() - started;
  const total = perStream * streams;
  console.log(
    `mux ${streams} streams × ${perStream} ${size}-byte exchanges: ${
      (total / (ms / 1000)).toFixed(0)
    } exchanges/s (${(ms * 1000 / total).toFixed(2)} µs each)`,
  );
  await pair.close();
}

const only = values.only;
if (!only || only === "tcp") await tcpRoundTrip();
if (!only || only === "rtt") await muxRoundTrip();
if (!only || only === "many") await muxConcurrent();
