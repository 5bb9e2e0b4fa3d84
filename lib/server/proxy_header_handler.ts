import { log } from "../log/logger.ts";
import { inheritListener, listenerOf } from "../metrics/conn_metrics.ts";
import { formatAddress } from "../net/address.ts";
import { acceptProxyHeader } from "../net/proxy_protocol/accept.ts";
import { safeClose } from "../net/relay.ts";
import type { TrackingHandler } from "./tcp_slot.ts";

const logger = log("server");

/** Milliseconds a PROXY header may take when the listener has no handshake timeout of its own. */
export const PROXY_HEADER_TIMEOUT_MS = 5000;

/** The one log line for a connection closed for its missing, malformed or late PROXY header. */
export function logRejectedHeader(name: string, peer: Deno.NetAddr, error: Error): void {
  logger.warn("{name} {peer}: {error}; closed", {
    name,
    peer: formatAddress(peer),
    error: error.message,
  });
}

/**
 * `proxy_protocol = true`: reads the PROXY header each connection starts with, then hands the
 * connection on with the header's client address as its `remoteAddr`. A connection whose
 * header is missing, malformed or late is closed with one log line.
 */
export class ProxyHeaderHandler implements TrackingHandler {
  readonly #inner: TrackingHandler;
  readonly #name: string;
  readonly #timeoutMs: number;

  /**
   * @param inner the listener's handler
   * @param name the listener's name, for the log line
   * @param timeoutMs how long the header may take
   */
  constructor(inner: TrackingHandler, name: string, timeoutMs: number) {
    this.#inner = inner;
    this.#name = name;
    this.#timeoutMs = timeoutMs;
  }

  get tracker(): TrackingHandler["tracker"] {
    return this.#inner.tracker;
  }

  async handle(conn: Deno.TcpConn | Deno.TlsConn): Promise<void> {
    const tracker = this.#inner.tracker;
    tracker.add(conn);
    let proxied;
    try {
      proxied = await acceptProxyHeader(conn, { timeoutMs: this.#timeoutMs });
    } catch (e) {
      tracker.delete(conn);
      logRejectedHeader(this.#name, conn.remoteAddr as Deno.NetAddr, e as Error);
      listenerOf(conn)?.refuse("proxy_header");
      safeClose(conn);
      return;
    }
    // The inner handler tracks (and counts) it from here, as `proxied`.
    tracker.handOn(conn);
    inheritListener(conn, proxied);
    await this.#inner.handle(proxied as unknown as Deno.TcpConn);
  }
}
