import { clientClosed, clientHandedOn, clientOpened } from "./conn_gauge.ts";

/** Something open that can be closed by force. */
export interface Closable {
  /** Closes it; may throw when already closed. */
  close(): void;
}

/** The open connections of one listener, so it can drain: wait for zero, then force the rest. */
export class ConnTracker {
  #open = new Set<Closable>();
  /** The accepted (client) connections among `#open`; upstream sockets are not counted. */
  #clients = new Set<Closable>();
  #waiters: (() => void)[] = [];
  #accepted = 0;

  /** Client connections currently open; the upstream sockets they use are not counted. */
  get size(): number {
    return this.#clients.size;
  }

  /** Connections ever accepted. */
  get accepted(): number {
    return this.#accepted;
  }

  /**
   * Starts tracking a connection; `accepted` counts it as a client connection (here and in the
   * process-wide gauge, lib/net/conn_gauge.ts).
   */
  add(conn: Closable, accepted = true): void {
    if (accepted) {
      this.#accepted++;
      const before = this.#clients.size;
      this.#clients.add(conn);
      if (this.#clients.size > before) clientOpened();
    }
    this.#open.add(conn);
  }

  /** Stops tracking a connection (it ended). */
  delete(conn: Closable): void {
    if (this.#clients.delete(conn)) clientClosed();
    if (this.#open.delete(conn) && this.#open.size === 0) {
      for (const w of this.#waiters.splice(0)) w();
    }
  }

  /**
   * Stops tracking a client connection its handler is about to add again under another object
   * (a wrapper, e.g. one with the addresses of the PROXY header it started with), so that
   * `accepted` counts it once.
   */
  handOn(conn: Closable): void {
    if (this.#clients.delete(conn)) {
      this.#accepted--;
      clientHandedOn();
    }
    this.delete(conn);
  }

  /** Resolves true when no connection is open, or false when `timeoutMs` passes first. */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.#open.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      this.#waiters.push(done);
    });
  }

  /** Closes every open connection. */
  closeAll(): void {
    for (const c of this.#open) {
      try {
        c.close();
      } catch {
        // already closed
      }
    }
  }
}
