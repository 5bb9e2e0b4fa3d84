import { log } from "../log/logger.ts";
import { attachListener } from "../metrics/conn_metrics.ts";
import type { ListenerMetrics } from "../metrics/families.ts";
import type { ConnTracker } from "../net/conn_tracker.ts";
import { type CertResolver, listenTlsSni } from "../net/tls_listen.ts";
import {
  listenTlsProxied,
  type ListenTlsProxiedOptions,
} from "../net/proxy_protocol/tls_listener.ts";

/** What a TCP slot hands its accepted connections to (TLS connections from a TLS slot). */
export interface TcpConnHandler {
  handle(conn: Deno.TcpConn | Deno.TlsConn): Promise<void>;
}

/** A connection handler that tracks what it has open. */
export interface TrackingHandler extends TcpConnHandler {
  /** Open connections, for draining and `/status`. */
  readonly tracker: ConnTracker;
}

const logger = log("server");

/** How a TLS slot reads PROXY headers before the handshake. */
export type HeaderBeforeTls = Pick<ListenTlsProxiedOptions, "timeoutMs" | "onRejected">;

/** What a slot reports about its connection limit in `/status`. */
export interface SlotLimitReport {
  /** Connections held open at most. */
  readonly max_connections: number;
  /** Whether the slot has stopped accepting because `max_connections` are open. */
  readonly at_limit: boolean;
  /** Times the slot reached the limit and stopped accepting. */
  readonly limit_hits: number;
}

/**
 * Connections the kernel queues for a socket before accept (Linux clamps it to
 * `net.core.somaxconn`, 4096 by default). Deno's default, 511, is nginx's; a burst of a
 * thousand clients connecting at once (or clients waiting at `max_connections`) overflowed
 * it, and each overflow costs a client a SYN retransmit: one second or more.
 */
export const LISTEN_BACKLOG = 4096;

/** The longest a closing slot keeps accepting while it waits for a quiet moment (`sweepMs`). */
export const SWEEP_MAX_MS = 200;

/**
 * One bound TCP socket (with `reusePort`) and its accept loop. The socket lives as long as
 * its address is in the config; what handles connections can be swapped without closing it,
 * so no queued connection is ever reset by a reload.
 *
 * At `max_connections` open connections (counted until each handler call settles, across
 * handler swaps) the loop stops calling accept: new clients wait in the kernel backlog, and
 * are accepted as soon as one connection ends or the limit is raised.
 */
export class TcpSlot {
  readonly hostname: string;
  readonly port: number;
  #listener: Deno.TcpListener | Deno.TlsListener | undefined;
  #handler: TcpConnHandler;
  #loop: Promise<void> | undefined;
  readonly #certs: CertResolver | undefined;
  readonly #alpn: string[] | undefined;
  #limit = Infinity;
  #open = 0;
  #hits = 0;
  #paused = false;
  #resume: (() => void) | undefined;
  /** When the accept loop last took a connection (performance.now()). */
  #lastAccept = 0;
  /** Where accepted connections count their bytes (`/metrics`). */
  #metrics: ListenerMetrics | undefined;
  /** A TLS slot's PROXY header reading, done before the handshake (set before binding). */
  #headerBeforeTls: HeaderBeforeTls | null = null;

  /**
   * @param certs for a TLS socket: where each handshake's certificate comes from (by SNI);
   * it is consulted per handshake, so what it returns may change without rebinding
   * @param alpn for a TLS socket: the ALPN protocols offered (default `http/1.1` only)
   */
  constructor(
    hostname: string,
    port: number,
    handler: TcpConnHandler,
    certs?: CertResolver,
    alpn?: string[],
  ) {
    this.hostname = hostname;
    this.port = port;
    this.#handler = handler;
    this.#certs = certs;
    this.#alpn = alpn;
  }

  /**
   * `proxy_protocol` on a TLS slot: the header precedes the handshake, so the slot reads it
   * before TLS (see lib/net/proxy_protocol/tls_listener.ts) when it binds. Returns whether
   * the slot does (a TLS slot); a plain slot leaves the header to its handler.
   */
  readHeaderBeforeTls(options: HeaderBeforeTls | null): boolean {
    if (this.#certs === undefined) return false;
    this.#headerBeforeTls = options;
    return true;
  }

  /** Binds the socket; throws Deno.errors.AddrInUse and the like. */
  bind(): void {
    if (this.#certs && this.#headerBeforeTls) {
      this.#listener = listenTlsProxied({
        hostname: this.hostname,
        port: this.port,
        certs: this.#certs,
        alpnProtocols: this.#alpn,
        backlog: LISTEN_BACKLOG,
        ...this.#headerBeforeTls,
      });
      return;
    }
    const { hostname, port } = this;
    this.#listener = this.#certs
      ? listenTlsSni({
        hostname,
        port,
        certs: this.#certs,
        alpnProtocols: this.#alpn,
        backlog: LISTEN_BACKLOG,
      })
      : Deno.listen({
        hostname,
        port,
        transport: "tcp",
        reusePort: true,
        tcpBacklog: LISTEN_BACKLOG,
      });
  }

  /** The address actually bound (the real port when 0 was asked for). */
  get boundAddr(): Deno.NetAddr | undefined {
    return this.#listener?.addr;
  }

  /** New connections go to `handler` from now on. */
  setHandler(handler: TcpConnHandler): void {
    this.#handler = handler;
  }

  /** Accepted connections count into `metrics` from now on. */
  setMetrics(metrics: ListenerMetrics): void {
    this.#metrics = metrics;
  }

  /** At most `max` connections open from now on; a raised limit resumes accepting at once. */
  setLimit(max: number): void {
    this.#limit = max;
    if (this.#open < max) this.#wake();
  }

  /** The limit, whether the slot is waiting below it, and how often it was reached. */
  limitReport(): SlotLimitReport {
    return { max_connections: this.#limit, at_limit: this.#paused, limit_hits: this.#hits };
  }

  /** Starts accepting. */
  start(): void {
    this.#loop ??= this.#accept();
  }

  /**
   * Stops accepting and closes the socket; open connections are not touched. Connections
   * still queued in the socket's backlog are reset by the kernel when it closes (unless
   * `net.ipv4.tcp_migrate_req` = 1 moves them to a sibling `reusePort` socket); with `sweepMs`
   * the slot first keeps accepting until no connection has come for `sweepMs` (for at most
   * {@link SWEEP_MAX_MS}), so that it closes when its backlog is most likely empty.
   */
  async close(sweepMs = 0): Promise<void> {
    if (sweepMs > 0 && this.#loop && !this.#paused) await this.#quiet(sweepMs);
    try {
      this.#listener?.close();
    } catch {
      // already closed
    }
    this.#wake();
    await this.#loop;
  }

  async #accept(): Promise<void> {
    const listener = this.#listener!;
    const done = () => {
      this.#open--;
      if (this.#open < this.#limit) this.#wake();
    };
    while (true) {
      if (this.#open >= this.#limit) {
        this.#hits++;
        this.#paused = true;
        logger.debug("{addr}: {n} connections open, the limit; accepting paused", {
          addr: `${this.hostname}:${this.port}`,
          n: this.#open,
        });
        await new Promise<void>((r) => this.#resume = r);
        this.#paused = false;
      }
      let conn: Deno.TcpConn | Deno.TlsConn;
      try {
        conn = await listener.accept();
      } catch (e) {
        if (e instanceof Deno.errors.BadResource || e instanceof Deno.errors.Interrupted) return;
        logger.error("accept on {addr} failed: {error}", {
          addr: `${this.hostname}:${this.port}`,
          error: (e as Error).message,
        });
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      this.#open++;
      this.#lastAccept = performance.now();
      if (this.#metrics !== undefined) attachListener(conn, this.#metrics);
      // A handler that throws still gives its place back (and does not take the process down).
      this.#handler.handle(conn).then(done, (e) => {
        done();
        logger.error("connection on {addr} failed: {error}", {
          addr: `${this.hostname}:${this.port}`,
          error: e instanceof Error ? e.stack ?? e.message : String(e),
        });
      });
    }
  }

  /** Resolves once no connection has been accepted for `ms` (or after {@link SWEEP_MAX_MS}). */
  async #quiet(ms: number): Promise<void> {
    const end = performance.now() + SWEEP_MAX_MS;
    while (performance.now() < end) {
      const quiet = performance.now() - this.#lastAccept;
      if (quiet < ms) {
        await new Promise((r) => setTimeout(r, ms - quiet));
        continue;
      }
      // One more turn of the event loop: an accept already completed runs its callback first.
      const seen = this.#lastAccept;
      await new Promise((r) => setTimeout(r, 0));
      if (this.#lastAccept === seen) return;
    }
  }

  #wake(): void {
    const resume = this.#resume;
    this.#resume = undefined;
    resume?.();
  }
}
