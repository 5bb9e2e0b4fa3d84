/**
 * A minimal Deno TCP relay, the floor of the `reverse` case, run as its own process:
 * `deno run -A bench/servers/deno_relay.ts LISTEN_PORT UPSTREAM_PORT`. For each client it opens
 * one connection to the upstream on 127.0.0.1 and copies bytes both ways with a plain read/write
 * loop and a 64 KiB buffer per direction (no HTTP parsing, no pooling); `setNoDelay` on both
 * sockets. When either direction ends, both connections close.
 * @module
 */

import { type ManagedProcess, startServer } from "../lib/process.ts";

/** Bytes per read, one buffer per direction. */
const BUFFER_BYTES = 64 * 1024;

/** Listen backlog, as ours (lib/server/tcp_slot.ts), so -c1000 connects are not refused. */
const BACKLOG = 4096;

/**
 * Starts the relay on 127.0.0.1:`port` in front of 127.0.0.1:`upstreamPort`.
 * @param port the loopback port to listen on
 * @param upstreamPort the origin's loopback port
 * @param probe a request through the relay that must succeed before it counts as ready
 * @returns the process, once the port accepts (and the probe passed)
 */
export async function startDenoRelay(
  port: number,
  upstreamPort: number,
  probe?: (signal: AbortSignal) => Promise<void>,
): Promise<ManagedProcess> {
  const script = new URL(import.meta.url).pathname;
  return await startServer(
    "deno-relay",
    [Deno.execPath(), "run", "-A", script, String(port), String(upstreamPort)],
    [port],
    { probe },
  );
}

async function copy(from: Deno.TcpConn, to: Deno.TcpConn): Promise<void> {
  const buf = new Uint8Array(BUFFER_BYTES);
  while (true) {
    const n = await from.read(buf);
    if (n === null) return;
    let off = 0;
    while (off < n) off += await to.write(buf.subarray(off, n));
  }
}

function close(conn: Deno.TcpConn): void {
  try {
    conn.close();
  } catch {
    // already closed by the other direction
  }
}

async function relay(client: Deno.TcpConn, upstreamPort: number): Promise<void> {
  let upstream: Deno.TcpConn;
  try {
    upstream = await Deno.connect({ hostname: "127.0.0.1", port: upstreamPort });
  } catch {
    close(client);
    return;
  }
  client.setNoDelay(true);
  upstream.setNoDelay(true);
  // The first direction to end (EOF or error) closes both; the other one then fails, as expected.
  const directions = [copy(client, upstream), copy(upstream, client)];
  await Promise.race(directions.map((direction) => direction.catch(() => {})));
  close(client);
  close(upstream);
}

if (import.meta.main) {
  const [port, upstreamPort] = Deno.args.map(Number);
  const listener = Deno.listen({ hostname: "127.0.0.1", port, tcpBacklog: BACKLOG });
  for await (const conn of listener) relay(conn, upstreamPort);
}
