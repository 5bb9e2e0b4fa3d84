/**
 * Many idle connections and the memory they cost: a process's resident memory from /proc,
 * connections opened in batches and left idle (relayed ones checked with an echo, keep-alive
 * ones answered once), and a small-buffer echo for the origin side of them.
 * @module
 */
import assert from "node:assert/strict";
import { decoder, encoder } from "./bytes.ts";
import { ping, writeAll } from "./io.ts";

/** Connects in flight at once while opening idle connections. */
const BATCH = 64;

/** A memory figure of process `pid` in KiB from /proc/PID/status: VmRSS (now) or VmHWM (peak). */
export function rssKib(pid: number, field: "VmRSS" | "VmHWM" = "VmRSS"): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(status);
  assert.ok(m, `${field} in /proc/${pid}/status`);
  return Number(m[1]);
}

/** Echoes with a small buffer (the origin side of many connections can live in the test). */
export async function smallEcho(conn: Deno.TcpConn): Promise<void> {
  const buf = new Uint8Array(4096);
  while (true) {
    const n = await conn.read(buf);
    if (n === null) break;
    await writeAll(conn, buf.subarray(0, n));
  }
}

/** Opens `count` connections to `port`, 64 at a time, each checked with a one-byte echo. */
export async function openIdle(port: number, count: number): Promise<Deno.TcpConn[]> {
  const conns: Deno.TcpConn[] = [];
  while (conns.length < count) {
    const batch = Math.min(BATCH, count - conns.length);
    const opened = await Promise.all(
      Array.from({ length: batch }, () => Deno.connect({ hostname: "127.0.0.1", port })),
    );
    conns.push(...opened);
    await Promise.all(opened.map((c) => ping(c, "x")));
  }
  return conns;
}

/** An HTTP/1.1 request to send on a keep-alive connection, and the text its answer ends with. */
export interface KeepAliveExchange {
  readonly request: string;
  readonly body: string;
}

/** Sends the request on `conn` and reads the whole 200 answer (ending with its body). */
export async function ask(conn: Deno.Conn, exchange: KeepAliveExchange): Promise<void> {
  await writeAll(conn, encoder.encode(exchange.request));
  const buf = new Uint8Array(4096);
  let got = "";
  while (!got.endsWith(exchange.body)) {
    const n = await conn.read(buf);
    if (n === null) throw new Error(`closed after ${JSON.stringify(got)}`);
    got += decoder.decode(buf.subarray(0, n));
  }
  assert.match(got, /^HTTP\/1\.1 200 /);
}

/** Opens `count` keep-alive clients to `port`, 64 at a time, each answered once, left idle. */
export async function openKeepAlive(
  port: number,
  count: number,
  exchange: KeepAliveExchange,
): Promise<Deno.TcpConn[]> {
  const conns: Deno.TcpConn[] = [];
  while (conns.length < count) {
    const batch = Math.min(BATCH, count - conns.length);
    conns.push(
      ...await Promise.all(Array.from({ length: batch }, async () => {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port });
        await ask(conn, exchange);
        return conn;
      })),
    );
  }
  return conns;
}
