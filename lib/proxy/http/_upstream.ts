import { noDelay } from "../../http/no_delay.ts";
import { HttpReader } from "../../http/reader.ts";
import { cancelWatch, type LateWatch, watchLater } from "../../http/watch_later.ts";
import { formatAddress } from "../../net/address.ts";
import { safeClose } from "../../net/relay.ts";
import { connectTarget } from "../target_connect.ts";
import type { ProxyConnContext } from "../types.ts";

/** An open upstream connection with its reader. */
export class Upstream {
  readonly conn: Deno.TcpConn;
  readonly reader: HttpReader;
  /** `host:port` it goes to. */
  readonly address: string;
  /** Whether it served an earlier request (and so may have been closed by the server since). */
  reused = false;
  /** Counts requests begun on it, so an idle watch knows it was taken again. */
  turns = 0;

  constructor(conn: Deno.TcpConn, address: string) {
    this.conn = conn;
    this.reader = new HttpReader(conn);
    this.address = address;
  }

  /** Closes the socket only, so pending reads and writes end; the slot's `close` follows. */
  abort(): void {
    safeClose(this.conn);
  }
}

/**
 * The one upstream connection a client connection keeps: reused while requests go to the same
 * `host:port`, replaced when they go elsewhere. Registered with the context while open.
 */
export class UpstreamSlot implements LateWatch {
  readonly #ctx: ProxyConnContext;
  #current: Upstream | null = null;

  /** @param ctx the client connection's context, for `track`/`untrack` */
  constructor(ctx: ProxyConnContext) {
    this.#ctx = ctx;
  }

  /**
   * The open connection to `hostname:port`, or a new one (closing any other). `fresh` forces a
   * new connection. Throws `ConnectError` when connecting fails or the target policy refuses
   * the target.
   */
  async acquire(
    target: { readonly hostname: string; readonly port: number },
    options: { readonly timeout: number; readonly fresh?: boolean },
  ): Promise<Upstream> {
    const address = formatAddress(target);
    const cur = this.#current;
    // Bytes waiting before a request was sent mean the server broke framing: don't reuse.
    if (cur && cur.address === address && !options.fresh && cur.reader.buffered === 0) {
      cur.reused = true;
      cur.turns++;
      cancelWatch(this);
      return cur;
    }
    this.close();
    const conn = await connectTarget(target, {
      timeout: options.timeout,
      policy: this.#ctx.options.targets,
    });
    noDelay(conn);
    this.#ctx.track(conn);
    return this.#current = new Upstream(conn, address);
  }

  /**
   * The response on the connection ended and it stays open for the next request: its reader
   * gives the buffer back and, soon after (see `watchLater`), one small read watches it, so
   * a byte (a response nobody asked for) or the end of stream while idle closes it and the
   * next request connects afresh. Bytes already buffered beyond the response close it at once.
   */
  rest(): void {
    const cur = this.#current;
    if (cur === null) return;
    if (!cur.reader.park()) {
      this.close();
      return;
    }
    watchLater(this);
  }

  /** The connection rested long enough: watches it. */
  startWatch(): void {
    const cur = this.#current;
    if (cur === null) return;
    // Taken again for a request (turns grew): the read is the response's, not a stray's.
    const turn = cur.turns;
    cur.reader.watch(() => {
      if (this.#current === cur && cur.turns === turn) this.close();
    });
  }

  /** Closes the socket only, so pending reads and writes end; {@link close} still follows. */
  abort(): void {
    this.#current?.abort();
  }

  /** Closes the connection, unregisters it and returns its buffer. */
  close(): void {
    const cur = this.#current;
    if (!cur) return;
    cancelWatch(this);
    this.#current = null;
    safeClose(cur.conn);
    this.#ctx.untrack(cur.conn);
    cur.reader.release();
  }
}
