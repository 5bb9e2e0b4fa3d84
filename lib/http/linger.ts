import { safeClose } from "../net/relay.ts";
import type { HttpReader } from "./reader.ts";
import { startTimer, stopTimer } from "../net/timer.ts";

/** Options for {@link lingerClose}. */
export interface LingerOptions {
  /** Longest time to keep reading after the half-close, in ms. @default 2000 */
  readonly timeout?: number;
  /** Most bytes read and dropped. @default 16777216 */
  readonly maxBytes?: number;
}

/**
 * Closes a connection without losing an answer just written to it: half-closes, then reads
 * and discards what the peer still sends (through `reader`, whose buffered bytes are dropped),
 * for a bounded time and size, so the peer gets the answer rather than a reset for bytes it
 * was still sending. Never throws; the connection is closed when it resolves.
 */
export async function lingerClose(
  conn: Deno.Conn,
  reader: HttpReader,
  options: LingerOptions = {},
): Promise<void> {
  try {
    await conn.closeWrite();
  } catch {
    safeClose(conn);
    return;
  }
  const limit = options.maxBytes ?? 16 * 1024 * 1024;
  const timer = startTimer(() => safeClose(conn), options.timeout ?? 2000);
  try {
    let drained = 0;
    reader.consume(reader.buffered);
    while (drained < limit && (await reader.fill())) {
      drained += reader.buffered;
      reader.consume(reader.buffered);
    }
  } catch {
    // whatever went wrong, the connection is closed below
  } finally {
    stopTimer(timer);
    safeClose(conn);
  }
}
