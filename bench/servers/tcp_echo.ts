/**
 * A TCP echo server for benchmarks, run as its own process:
 * `deno run -A bench/servers/tcp_echo.ts PORT`. Raw read/write loops, one buffer per connection.
 * @module
 */

import { type ManagedProcess, startServer } from "../lib/process.ts";

/**
 * Starts the echo on 127.0.0.1:`port`.
 * @param port the loopback port
 * @returns the process, once the port accepts
 */
export async function startTcpEcho(port: number): Promise<ManagedProcess> {
  return await startServer(
    "tcp-echo",
    [Deno.execPath(), "run", "-A", new URL(import.meta.url).pathname, String(port)],
    [port],
  );
}

/**
 * Sends one byte to `port` and waits for it to come back: the echo (or a tunnel in front of it)
 * is ready.
 * @param port the loopback port
 * @param signal aborts the probe (closing its connection)
 * @throws Error when the connection fails or the byte does not come back
 */
export async function probeEcho(port: number, signal?: AbortSignal): Promise<void> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const abort = () => conn.close();
  signal?.addEventListener("abort", abort, { once: true });
  try {
    await conn.write(new Uint8Array([1]));
    const got = new Uint8Array(1);
    if (await conn.read(got) !== 1 || got[0] !== 1) {
      throw new Error(`nothing echoed through port ${port}`);
    }
  } finally {
    signal?.removeEventListener("abort", abort);
    if (!signal?.aborted) conn.close();
  }
}

async function echo(conn: Deno.TcpConn): Promise<void> {
  const buf = new Uint8Array(65536);
  try {
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      let off = 0;
      while (off < n) off += await conn.write(buf.subarray(off, n));
    }
  } catch {
    // the client went away
  } finally {
    conn.close();
  }
}

if (import.meta.main) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: Number(Deno.args[0]) });
  for await (const conn of listener) echo(conn);
}
