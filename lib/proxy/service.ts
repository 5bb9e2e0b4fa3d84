import { log } from "../log/logger.ts";
import { formatAddress } from "../net/address.ts";
import { releaseBuffer, takeBuffer } from "../net/buffer_pool.ts";
import { safeClose } from "../net/relay.ts";
import { startTimer, stopTimer } from "../net/timer.ts";
import { ConnTracker } from "../net/conn_tracker.ts";
import type { ForwardProxyOptions, ProxyConnContext, ProxyHandler } from "./types.ts";

/** The protocol handlers a forward proxy dispatches to. */
export interface ProxyHandlers {
  /** HTTP proxying and CONNECT. */
  readonly http: ProxyHandler;
  /** SOCKS5. */
  readonly socks5: ProxyHandler;
}

const logger = log("proxy");
const SOCKS5_VERSION = 0x05;
// A SOCKS4 greeting goes to the SOCKS5 handler too, which refuses it with a clear log line.
const SOCKS4_VERSION = 0x04;
let nextId = 1;
/** Most bytes the protocol sniff reads; the handlers read the rest. */
const FIRST_READ_SIZE = 4096;

/**
 * One port, three protocols: reads the first bytes of each connection and hands it to the
 * SOCKS5 handler when the first byte is 0x05, to the HTTP handler otherwise. Settings can be
 * replaced while running; each connection keeps those it was accepted with.
 */
export class ForwardProxy {
  /** Name for logs. */
  readonly name: string;
  /** Open client connections and the upstream sockets they use. */
  readonly tracker: ConnTracker = new ConnTracker();
  readonly #handlers: ProxyHandlers;
  #options: ForwardProxyOptions;

  /**
   * @param name name for logs
   * @param options settings for new connections
   * @param handlers the protocol handlers
   */
  constructor(name: string, options: ForwardProxyOptions, handlers: ProxyHandlers) {
    this.name = name;
    this.#options = options;
    this.#handlers = handlers;
  }

  /** New connections use `options` from now on. */
  update(options: ForwardProxyOptions): void {
    this.#options = options;
  }

  /** Serves one accepted connection to its end; never throws. */
  async handle(conn: Deno.TcpConn): Promise<void> {
    const options = this.#options;
    const id = nextId++;
    const tracker = this.tracker;
    tracker.add(conn);
    const ctx: ProxyConnContext = {
      id,
      peer: conn.remoteAddr,
      local: conn.localAddr,
      options,
      track: (c) => tracker.add(c, false),
      untrack: (c) => tracker.delete(c),
    };
    try {
      const first = await readFirst(conn, options.handshakeTimeout);
      if (!first) {
        logger.debug("conn {id} {peer}: closed before sending anything", {
          id,
          peer: formatAddress(conn.remoteAddr),
        });
        return;
      }
      const socks = first[0] === SOCKS5_VERSION || first[0] === SOCKS4_VERSION;
      const handler = socks ? this.#handlers.socks5 : this.#handlers.http;
      await handler(conn, first, ctx);
    } catch (e) {
      logger.error("conn {id} {peer}: unexpected {error}", {
        id,
        peer: formatAddress(conn.remoteAddr),
        error: e,
      });
    } finally {
      safeClose(conn);
      tracker.delete(conn);
    }
  }
}

/** The first bytes a client sends, or null when it closes or stays silent past `timeoutMs`. */
async function readFirst(conn: Deno.TcpConn, timeoutMs: number): Promise<Uint8Array | null> {
  // A pooled buffer and a copy of what arrived (a few hundred bytes) rather than a new
  // buffer per connection.
  const buf = takeBuffer();
  const timer = startTimer(() => safeClose(conn), timeoutMs);
  try {
    const n = await conn.read(buf.subarray(0, FIRST_READ_SIZE));
    return n === null ? null : buf.slice(0, n);
  } catch {
    return null;
  } finally {
    stopTimer(timer);
    releaseBuffer(buf);
  }
}
