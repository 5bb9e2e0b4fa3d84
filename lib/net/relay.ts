import { releaseBuffer, takeBuffer } from "./buffer_pool.ts";

/** Options for {@link relay}. */
export interface RelayOptions {
  /** Close both sides after this many milliseconds with no byte in either direction; 0 = never. @default 0 */
  idleTimeout?: number;
}

/** What a finished relay did. */
export interface RelayResult {
  /** Bytes copied from `a` to `b`. */
  readonly sent: number;
  /** Bytes copied from `b` to `a`. */
  readonly received: number;
  /** Why it ended: both sides finished, one failed, or it was idle too long. */
  readonly reason: "eof" | "error" | "idle";
}

/**
 * Copies bytes both ways between two connections with raw read/write loops and pooled
 * buffers until both directions end. An end of stream on one side is passed on as a
 * half-close (`closeWrite`) so the other direction can still finish; an error on either side
 * closes both. Both connections are closed when it resolves.
 */
export async function relay(
  a: Deno.Conn,
  b: Deno.Conn,
  options: RelayOptions = {},
): Promise<RelayResult> {
  let activity = 0;
  let closed = false;
  let reason: RelayResult["reason"] = "eof";
  const closeBoth = () => {
    if (closed) return;
    closed = true;
    safeClose(a);
    safeClose(b);
  };
  const counts = [0, 0];
  const pump = async (src: Deno.Conn, dst: Deno.Conn, dir: 0 | 1) => {
    const buf = takeBuffer();
    try {
      while (true) {
        const n = await src.read(buf);
        if (n === null) break;
        activity++;
        counts[dir] += n;
        let off = 0;
        while (off < n) off += await dst.write(buf.subarray(off, n));
      }
      try {
        await dst.closeWrite();
      } catch {
        // the peer may already be gone; the other direction decides
      }
    } catch {
      if (!closed) reason = "error";
      closeBoth();
    } finally {
      releaseBuffer(buf);
    }
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const idle = options.idleTimeout ?? 0;
  if (idle > 0) {
    let seen = -1;
    const check = () => {
      if (activity === seen) {
        reason = "idle";
        closeBoth();
      } else {
        seen = activity;
        timer = setTimeout(check, idle);
      }
    };
    seen = activity;
    timer = setTimeout(check, idle);
  }
  try {
    await Promise.all([pump(a, b, 0), pump(b, a, 1)]);
  } finally {
    clearTimeout(timer);
    closeBoth();
  }
  return { sent: counts[0], received: counts[1], reason };
}

/** Closes a connection, ignoring "already closed". */
export function safeClose(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // already closed
  }
}
