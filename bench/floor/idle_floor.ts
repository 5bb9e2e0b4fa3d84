/**
 * The floor: what Deno itself holds per idle TCP socket, with no proxy code around it. A child
 * process accepts N loopback connections and keeps one pending read per socket (and, in the
 * relay shapes, also connects out to a holder process and keeps a pending read there: a relay's
 * two sockets). VmRSS of that child before and with all N open gives KiB per connection.
 *
 * ```
 * deno run -A bench/floor/idle_floor.ts [N ...]     # default 2000 5000
 * deno run -A bench/floor/idle_floor.ts ends [N ...]  # the tunnel's shape, default 1000 3000
 * ```
 *
 * `ends` is the floor of an idle NAT tunnel stream ({@link tunnelEndsFloor}): one socket with a
 * pending 2 KiB read in each of two processes (the server end holds the visitor's socket, the
 * client end the local service's), KiB per stream at the first N and the slope between Ns.
 * @module
 */

import { fastReader } from "../../lib/net/relay.ts";

const SELF = new URL(import.meta.url).pathname;
const LOOPBACK = "127.0.0.1";
const WARMUP = 64;
const SETTLE_MS = 500;

/** One shape of idle server: accept only, or a pending read of `buffer` bytes per socket. */
interface Shape {
  name: string;
  /** Pending read size; 0 = no read at all. */
  buffer: number;
  /** Also an outbound socket per client, with its own pending read. */
  relay: boolean;
  /** Read with the runtime's op directly (as lib/net/relay.ts does), not `conn.read`. */
  op?: boolean;
}

const SHAPES: readonly Shape[] = [
  { name: "accept, no read", buffer: 0, relay: false },
  { name: "pending read, 1 B", buffer: 1, relay: false },
  { name: "pending read, 2 KiB", buffer: 2048, relay: false },
  { name: "pending read, 64 KiB", buffer: 65536, relay: false },
  { name: "pending op read (fastReader), 1 B", buffer: 1, relay: false, op: true },
  { name: "pending op read (fastReader), 2 KiB", buffer: 2048, relay: false, op: true },
  { name: "relay: 2 sockets, 1 B each", buffer: 1, relay: true },
  { name: "relay: 2 sockets, 2 KiB each", buffer: 2048, relay: true },
  { name: "relay: 2 sockets, op read 1 B each", buffer: 1, relay: true, op: true },
  { name: "relay: 2 sockets, op read 2 KiB each", buffer: 2048, relay: true, op: true },
];

/** Keeps a read pending on `conn` (into a buffer of `size`, written once so it is resident). */
async function hold(conn: Deno.Conn, size: number, op = false): Promise<void> {
  if (size === 0) return;
  const buf = new Uint8Array(size).fill(1);
  const read = op ? fastReader(conn) : async (b: Uint8Array) => (await conn.read(b)) ?? 0;
  try {
    while ((await read(buf)) > 0) {
      // idle clients send nothing; the warm-up ones only close
    }
  } catch {
    // reset
  }
  try {
    conn.close();
  } catch {
    // already closed
  }
}

/** Child: the measured server. Prints its port, then serves until killed. */
async function serve(size: number, originPort: number, op: boolean): Promise<void> {
  const listener = Deno.listen({ hostname: LOOPBACK, port: 0 });
  console.log((listener.addr as Deno.NetAddr).port);
  for await (const conn of listener) {
    if (originPort > 0) {
      const out = await Deno.connect({ hostname: LOOPBACK, port: originPort });
      hold(conn, size, op).then(() => out.close(), () => {});
      hold(out, size, op);
    } else {
      hold(conn, size, op);
    }
  }
}

/** Child: the outbound side of the relay shapes; accepts and holds. */
async function holdAll(): Promise<void> {
  const listener = Deno.listen({ hostname: LOOPBACK, port: 0 });
  console.log((listener.addr as Deno.NetAddr).port);
  for await (const conn of listener) hold(conn, 16);
}

interface Child {
  process: Deno.ChildProcess;
  port: number;
}

async function spawn(args: string[]): Promise<Child> {
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SELF, ...args],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = process.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const { value } = await reader.read();
  reader.releaseLock();
  return { process, port: Number(value?.trim()) };
}

function rssKib(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
  return Number(m?.[1]);
}

function openFds(pid: number): number {
  return [...Deno.readDirSync(`/proc/${pid}/fd`)].length;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function connectMany(port: number, count: number): Promise<Deno.TcpConn[]> {
  const conns: Deno.TcpConn[] = [];
  while (conns.length < count) {
    const batch = Math.min(64, count - conns.length);
    conns.push(
      ...await Promise.all(
        Array.from({ length: batch }, () => Deno.connect({ hostname: LOOPBACK, port })),
      ),
    );
  }
  return conns;
}

/**
 * Waits until `pid` holds at least (`more`) or at most `fds` descriptors, give or take a few
 * (the runtime opens and closes some of its own).
 */
async function untilFds(pid: number, fds: number, more = true): Promise<void> {
  const SLACK = 4;
  while (more ? openFds(pid) < fds - SLACK : openFds(pid) > fds + SLACK) await pause(100);
}

/** KiB of VmRSS per idle connection for one shape at `count` connections. */
async function measure(shape: Shape, count: number): Promise<number> {
  const holder = shape.relay ? await spawn(["hold"]) : undefined;
  const server = await spawn([
    "serve",
    String(shape.buffer),
    String(holder?.port ?? 0),
    shape.op ? "op" : "",
  ]);
  const pid = server.process.pid;
  const perConn = shape.relay ? 2 : 1;
  try {
    const base = openFds(pid);
    const warm = await connectMany(server.port, WARMUP);
    await untilFds(pid, base + WARMUP * perConn);
    warm.forEach((c) => c.close());
    if (shape.buffer > 0) await untilFds(pid, base, false);
    await pause(SETTLE_MS);
    const before = rssKib(pid);
    const idleBase = openFds(pid);
    const conns = await connectMany(server.port, count);
    await untilFds(pid, idleBase + count * perConn);
    await pause(SETTLE_MS);
    const open = rssKib(pid);
    conns.forEach((c) => c.close());
    return (open - before) / count;
  } finally {
    server.process.kill();
    await server.process.status;
    holder?.process.kill();
    await holder?.process.status;
  }
}

/** One step of {@link tunnelEndsFloor}: KiB of VmRSS each stream from `from` to `to` added. */
export interface EndsStep {
  /** Streams open before the step (0: the first step, measured from after the warm-up). */
  from: number;
  /** Streams open after it. */
  to: number;
  /** KiB per stream at the server end (the process holding the visitors' sockets). */
  serverKiB: number;
  /** KiB per stream at the client end (the process holding the local service's sockets). */
  clientKiB: number;
}

/**
 * The floor of an idle tunnel stream in Deno: two fresh processes (the ends), each accepting
 * one socket per stream and keeping a read of 2 KiB pending on it through the runtime's op (as
 * `lib/net/relay.ts` reads a socket). Nothing else: no second socket, no multiplexing. After a
 * warm-up of 32, opens streams up to each of `counts` in turn and reads both VmRSS.
 * @param counts increasing stream counts, e.g. `[1000, 3000]`
 * @returns one step per count: the first from 0 (what a fresh process pays, as the tunnel's idle
 *   rows measure), the others the slope between two counts (fixed costs left out)
 */
export async function tunnelEndsFloor(counts: readonly number[]): Promise<EndsStep[]> {
  const ends = [
    await spawn(["serve", "2048", "0", "op"]),
    await spawn(["serve", "2048", "0", "op"]),
  ];
  const conns: Deno.TcpConn[] = [];
  try {
    const base = ends.map((e) => openFds(e.process.pid));
    const warm = await Promise.all(ends.map((e) => connectMany(e.port, WARMUP)));
    await Promise.all(ends.map((e, i) => untilFds(e.process.pid, base[i] + WARMUP)));
    warm.flat().forEach((c) => c.close());
    await Promise.all(ends.map((e, i) => untilFds(e.process.pid, base[i], false)));
    await pause(SETTLE_MS);
    let from = 0;
    let rss = ends.map((e) => rssKib(e.process.pid));
    const steps: EndsStep[] = [];
    for (const to of counts) {
      for (const [i, e] of ends.entries()) {
        conns.push(...await connectMany(e.port, to - from));
        await untilFds(e.process.pid, base[i] + to);
      }
      await pause(SETTLE_MS);
      const now = ends.map((e) => rssKib(e.process.pid));
      const n = to - from;
      steps.push({ from, to, serverKiB: (now[0] - rss[0]) / n, clientKiB: (now[1] - rss[1]) / n });
      from = to;
      rss = now;
    }
    return steps;
  } finally {
    conns.forEach((c) => c.close());
    for (const e of ends) {
      e.process.kill();
      await e.process.status;
    }
  }
}

async function main(args: string[]): Promise<void> {
  if (args[0] === "serve") return await serve(Number(args[1]), Number(args[2]), args[3] === "op");
  if (args[0] === "hold") return await holdAll();
  if (args[0] === "ends") {
    const counts = args.length > 1 ? args.slice(1).map(Number) : [1000, 3000];
    console.log("| tunnel ends: 1 socket + op read 2 KiB per process | server | client | both |");
    console.log("| --- | --- | --- | --- |");
    for (const s of await tunnelEndsFloor(counts)) {
      const step = s.from === 0 ? `KiB/stream 0 -> ${s.to}` : `slope ${s.from} -> ${s.to}`;
      const cells = [s.serverKiB, s.clientKiB, s.serverKiB + s.clientKiB].map((v) => v.toFixed(2));
      console.log(`| ${step} | ${cells.join(" | ")} |`);
    }
    return;
  }
  const counts = args.length > 0 ? args.map(Number) : [2000, 5000];
  console.log(`| shape | ${counts.map((n) => `KiB/conn N=${n}`).join(" | ")} |`);
  console.log(`| --- | ${counts.map(() => "---").join(" | ")} |`);
  for (const shape of SHAPES) {
    const cells = [];
    for (const n of counts) cells.push((await measure(shape, n)).toFixed(2));
    console.log(`| ${shape.name} | ${cells.join(" | ")} |`);
  }
}

if (import.meta.main) await main(Deno.args);
