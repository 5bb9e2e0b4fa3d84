// Small socket helpers shared by the SOCKS5 server and UDP relay.

import { safeClose } from "../../net/relay.ts";
import { writeAll } from "../../net/write.ts";
import { startTimer, stopTimer } from "../../net/timer.ts";

/** How long {@link sendFinal} waits for the client to close after a final answer. */
const LINGER_MS = 2000;
/** How much a lingering client may still send before it is cut off. */
const LINGER_BYTES = 65536;

/**
 * Sends a final answer (an error reply) and lets the client read it: half-closes, then reads
 * and discards what the client still sends until it closes, `LINGER_MS` pass or
 * `LINGER_BYTES` arrive. Closing at once with unread input would make the kernel send a
 * reset, and the client could lose the answer. Never throws; the caller closes `conn`.
 */
export async function sendFinal(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  const timer = startTimer(() => safeClose(conn), LINGER_MS);
  try {
    await writeAll(conn, data);
    await conn.closeWrite();
    const buf = new Uint8Array(4096);
    let total = 0;
    while (total < LINGER_BYTES) {
      const n = await conn.read(buf);
      if (n === null) break;
      total += n;
    }
  } catch {
    // the client went away, or the linger timer closed the socket: either way we are done
  } finally {
    stopTimer(timer);
  }
}
