/**
 * The accept loop every in-process test server shares: counts connections, keeps the open
 * ones to close on shutdown, and knows when its handlers have returned.
 * @module
 */
import { closeQuietly } from "./io.ts";

/** A running accept loop. */
export interface AcceptLoop {
  /** The bound port. */
  readonly port: number;
  /** Connections accepted so far. */
  accepted(): number;
  /** Resolves once every handler started so far has returned (rejects if one threw). */
  settled(): Promise<void>;
  /** Closes every open connection; the listener stays. */
  dropConnections(): void;
  /**
   * Stops accepting and closes the open connections; with `settle`, then waits for every
   * handler (leave it off when a handler may wait for something other than its connection).
   */
  close(settle?: boolean): Promise<void>;
}

/**
 * Accepts on `listener` and runs `handle(conn, index)` for each connection (index counts from
 * 0); the connection is closed when the handler returns.
 */
export function acceptLoop(
  listener: Deno.TcpListener,
  handle: (conn: Deno.TcpConn, index: number) => Promise<void>,
): AcceptLoop {
  const open = new Set<Deno.TcpConn>();
  const running = new Set<Promise<void>>();
  let accepted = 0;
  let failure: { error: unknown } | undefined;
  const loop = (async () => {
    for await (const conn of listener) {
      open.add(conn);
      const p = handle(conn, accepted++).finally(() => {
        open.delete(conn);
        closeQuietly(conn);
      });
      running.add(p);
      p.catch((error) => failure ??= { error }).finally(() => running.delete(p));
    }
  })().catch(() => {});
  const dropConnections = () => {
    for (const c of open) closeQuietly(c);
  };
  const settled = async () => {
    while (running.size > 0) await Promise.allSettled(running);
    if (failure) throw failure.error;
  };
  return {
    port: (listener.addr as Deno.NetAddr).port,
    accepted: () => accepted,
    settled,
    dropConnections,
    async close(settle = false) {
      listener.close();
      await loop;
      dropConnections();
      if (settle) await settled();
    },
  };
}
