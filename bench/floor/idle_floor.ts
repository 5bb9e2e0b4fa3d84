/**
 * The floor: what Deno itself holds per idle TCP socket, with no proxy code around it. A child
 * process accepts N loopback connections and keeps one pending read per socket (and, in the
 * relay shapes, also connects out to a holder process and keeps a pending read there: a relay's
 * two sockets). VmRSS of that child before and with all N open gives KiB per connection.
 *
 * ```
 * deno run -A bench/floor/idle_floor.ts [N ...]     # default 2000 5000
 * ```
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

async function main(args: string[]): Promise<void> {
  if (args[0] === "serve") return await serve(Number(args[1]), Number(args[2]), args[3] === "op");
  if (args[0] === "hold") return await holdAll();
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
