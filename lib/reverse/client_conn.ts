import { errorResponse } from "../http/error_response.ts";
import { HeadBuilder } from "../http/head_builder.ts";
import { HttpReader } from "../http/reader.ts";
import { formatAddress } from "../net/address.ts";
import type { CidrSet } from "../net/cidr.ts";
import { fastReader, safeClose } from "../net/relay.ts";
import { startTimer, stopTimer } from "../net/timer.ts";
import type { DeadlineSweeper, Timed } from "./_deadlines.ts";
import type { StreamReply } from "./_h2_stream.ts";
import type { Generation } from "./generation.ts";
import type { ConnTracker } from "../net/conn_tracker.ts";
import { logger } from "./logger.ts";
import type { UpstreamConn } from "./upstream_conn.ts";

/** No deadline. */
export const WAIT_NONE = 0;
/** A request head must be complete by the deadline (else 408 and close). */
export const WAIT_HEAD = 1;
/** A kept-alive connection waits for its next request (else close). */
export const WAIT_IDLE = 2;
/** An exchange must make progress each period (else the upstream is cut off). */
export const WAIT_STALL = 3;

/** How long the 408 answer to a slow head may take to write before the connection is closed. */
const WRITE_408_MS = 1000;
const TIMEOUT_408 = errorResponse(408, "request head not received in time", { close: true });

/** Head builders of connections between requests, for the next request of any connection. */
const spareOut: HeadBuilder[] = [];
const MAX_SPARE_OUT = 256;

/**
 * One client connection: its socket and reader, the generation it was accepted with, and its
 * one deadline, enforced by the proxy's {@link DeadlineSweeper}.
 */
export class ClientConn implements Timed {
  readonly id: number;
  readonly conn: Deno.Conn;
  readonly reader: HttpReader;
  readonly gen: Generation;
  /** The listener's tracker, where upstream sockets in use are registered. */
  readonly tracker: ConnTracker;
  /** The client's IP address. */
  readonly ip: string;
  readonly port: number;
  /** The local address the client connected to. */
  readonly localIp: string;
  readonly localPort: number;
  deadline = 0;
  /** What fired, or {@link WAIT_NONE}; a stall is reset by the request that handles it. */
  fired = WAIT_NONE;
  /** The upstream connection of the request in progress, for stall checks and aborts. */
  upstream: UpstreamConn | null = null;
  /** The response has started going to the client (a stall then closes the client too). */
  responding = false;
  /**
   * An HTTP/2 stream (its one request answered through this, not with HTTP/1.1 bytes on
   * `conn`), or null for an HTTP/1.1 connection.
   */
  readonly h2: StreamReply | null;
  #out: HeadBuilder | null = null;
  #mode = WAIT_NONE;
  #period = 0;
  #seen = 0;
  #sets: Map<CidrSet, boolean> | null = null;
  #paced = 0;
  readonly #sweeper: DeadlineSweeper;

  constructor(
    id: number,
    conn: Deno.Conn,
    env: { gen: Generation; sweeper: DeadlineSweeper; tracker: ConnTracker; h2?: StreamReply },
  ) {
    const { gen, sweeper } = env;
    this.h2 = env.h2 ?? null;
    this.id = id;
    this.conn = conn;
    this.gen = gen;
    this.tracker = env.tracker;
    this.reader = new HttpReader({ read: fastReader(conn) });
    const remote = conn.remoteAddr as Deno.NetAddr;
    const local = conn.localAddr as Deno.NetAddr;
    this.ip = remote.hostname;
    this.port = remote.port;
    this.localIp = local.hostname;
    this.localPort = local.port;
    this.#sweeper = sweeper;
    sweeper.add(this);
  }

  /**
   * The connection's reused buffer for composing outgoing heads (the upstream request, then
   * the response); one message at a time.
   */
  get out(): HeadBuilder {
    return this.#out ??= spareOut.pop() ?? new HeadBuilder(4096);
  }

  /**
   * Between requests: gives the head builder back for other connections to use, so an idle
   * connection does not hold its 4 KiB (the next {@link out} takes one again).
   */
  rest(): void {
    const out = this.#out;
    if (out === null) return;
    this.#out = null;
    if (spareOut.length < MAX_SPARE_OUT) spareOut.push(out.reset());
  }

  /** The client's and the local address, for a PROXY protocol header. */
  get addresses(): { remote: Deno.NetAddr; local: Deno.NetAddr } {
    return {
      remote: { transport: "tcp", hostname: this.ip, port: this.port },
      local: { transport: "tcp", hostname: this.localIp, port: this.localPort },
    };
  }

  /** `host:port` of the client, for log lines. */
  get peer(): string {
    return formatAddress({ hostname: this.ip, port: this.port });
  }

  /** Arms a head ({@link WAIT_HEAD}) or keep-alive ({@link WAIT_IDLE}) deadline; 0 ms = none. */
  wait(mode: typeof WAIT_HEAD | typeof WAIT_IDLE, ms: number): void {
    this.#mode = mode;
    this.deadline = ms > 0 ? Date.now() + ms : 0;
  }

  /**
   * Watches for a stall: a whole `ms` period without a byte read from the client or the
   * upstream cuts the upstream off (and the client, once the response started or when there
   * is no upstream).
   */
  watchStall(ms: number): void {
    this.#mode = WAIT_STALL;
    this.#period = ms;
    this.#seen = this.#progress();
    this.deadline = ms > 0 ? Date.now() + ms : 0;
  }

  /** A paced (rate-limited) write went out: progress for the stall watch. */
  wrote(): void {
    this.#paced++;
  }

  /** No deadline. */
  clear(): void {
    this.#mode = WAIT_NONE;
    this.deadline = 0;
  }

  /**
   * Whether the client's address passes `allow` and `deny` (as `ipAllowed`), each set's answer
   * memoized for the connection.
   */
  allowed(allow: CidrSet | null, deny: CidrSet | null): boolean {
    if (deny !== null && this.#inSet(deny)) return false;
    return allow === null || this.#inSet(allow);
  }

  #inSet(set: CidrSet): boolean {
    this.#sets ??= new Map();
    let hit = this.#sets.get(set);
    if (hit === undefined) this.#sets.set(set, hit = set.has(this.ip));
    return hit;
  }

  expire(now: number): void {
    switch (this.#mode) {
      case WAIT_HEAD:
        this.#fire(WAIT_HEAD);
        if (this.reader.bytesRead === 0) {
          // Not a byte of a request (or, over TLS, no handshake): closed without an answer,
          // as nginx does.
          logger.warn("conn {id} {peer}: no request in time; closed", {
            id: this.id,
            peer: this.peer,
          });
          safeClose(this.conn);
          return;
        }
        logger.warn("conn {id} {peer}: no complete request head in time; 408", {
          id: this.id,
          peer: this.peer,
        });
        {
          // A TLS client that never finished its handshake blocks the write: close anyway.
          const timer = startTimer(() => safeClose(this.conn), WRITE_408_MS);
          this.conn.write(TIMEOUT_408).catch(() => 0).finally(() => {
            stopTimer(timer);
            safeClose(this.conn);
          });
        }
        return;
      case WAIT_IDLE:
        this.#fire(WAIT_IDLE);
        safeClose(this.conn);
        return;
      case WAIT_STALL: {
        const p = this.#progress();
        if (p !== this.#seen) {
          this.#seen = p;
          this.deadline = now + this.#period;
          return;
        }
        this.#fire(WAIT_STALL);
        // Cut the upstream off (the exchange then answers 504); with no upstream (a body
        // being discarded) or a response under way, the client goes too.
        if (this.upstream !== null) this.upstream.abort();
        if (this.responding || this.upstream === null) safeClose(this.conn);
        return;
      }
      default:
        this.deadline = 0;
    }
  }

  /** Stops the deadline for good and gives the reader's buffer back (no read may be pending). */
  finish(): void {
    this.clear();
    this.#sweeper.delete(this);
    safeClose(this.conn);
    this.reader.release();
    this.rest();
  }

  #fire(mode: number): void {
    this.fired = mode;
    this.#mode = WAIT_NONE;
    this.deadline = 0;
  }

  #progress(): number {
    return this.reader.bytesRead + this.#paced +
      (this.upstream === null ? 0 : this.upstream.bytesRead);
  }
}
