import { startInterval, stopTimer, type Timer } from "../net/timer.ts";
import { logger } from "./logger.ts";
import type { UpstreamConn } from "./upstream_conn.ts";

/** Options for {@link IdlePool}. */
export interface IdlePoolOptions {
  /** Most idle connections kept. @default 32 */
  readonly max?: number;
  /** Milliseconds an idle connection is kept. @default 60000 */
  readonly idleTimeoutMs?: number;
}

/**
 * The idle keep-alive connections to one upstream server, most recently used first (the
 * warmest, least likely to have been closed by the server). Bounded in number; a connection
 * idle longer than the timeout is closed by a timer that runs only while the pool is not
 * empty, and skipped when taken. An idle connection is watched by one small read (from 50 to
 * 100 ms after it was parked): any byte or end of stream while idle closes it, so it is never
 * handed out.
 */
export class IdlePool {
  readonly #idle: UpstreamConn[] = [];
  readonly #max: number;
  readonly #timeout: number;
  #timer: Timer = undefined;
  #closed = false;

  /** Creates an empty pool. */
  constructor(options: IdlePoolOptions = {}) {
    this.#max = options.max ?? 256;
    this.#timeout = options.idleTimeoutMs ?? 60_000;
  }

  /** Idle connections now. */
  get size(): number {
    return this.#idle.length;
  }

  /** The most recently parked connection that is not too old, or undefined. */
  take(now: number): UpstreamConn | undefined {
    const idle = this.#idle;
    while (idle.length > 0) {
      const c = idle.pop()!;
      c.unpark();
      // The timer stays: it stops itself once a sweep finds the pool empty.
      if (now - c.idleSince < this.#timeout) return c;
      c.close();
    }
    return undefined;
  }

  /**
   * Keeps `c` for reuse, or closes it when the pool is full or closed or bytes beyond the
   * response came with it. While idle it is watched: a byte (a response nobody asked for),
   * the end of stream or an error closes it and drops it from the pool.
   */
  put(c: UpstreamConn, now: number): void {
    if (this.#closed || this.#idle.length >= this.#max || !c.park(this.#onStray)) {
      c.close();
      return;
    }
    c.idleSince = now;
    this.#idle.push(c);
    this.#timer ??= startInterval(() => this.#expire(), Math.max(50, this.#timeout / 2));
  }

  readonly #onStray = (c: UpstreamConn, bytes: boolean): void => {
    const i = this.#idle.indexOf(c);
    if (i >= 0) this.#idle.splice(i, 1);
    c.close();
    if (bytes) {
      logger.warn("upstream {upstream} sent bytes on an idle connection; closed", {
        upstream: c.address,
      });
    }
  };

  /** Closes every idle connection; later {@link put}s close theirs. */
  close(): void {
    this.#closed = true;
    for (const c of this.#idle.splice(0)) c.close();
    this.#stopTimer();
  }

  #expire(): void {
    const now = Date.now();
    const idle = this.#idle;
    // Oldest first: stop at the first one still fresh.
    let n = 0;
    while (n < idle.length && now - idle[n].idleSince >= this.#timeout) idle[n++].close();
    if (n > 0) idle.splice(0, n);
    if (idle.length === 0) this.#stopTimer();
  }

  #stopTimer(): void {
    if (this.#timer === undefined) return;
    stopTimer(this.#timer);
    this.#timer = undefined;
  }
}
