/**
 * One tunnel server as a client keeps it: connect, hello, serve the streams the server opens,
 * and reconnect with backoff whenever the session ends, until stopped.
 * @module
 */
import { noDelay } from "../../http/no_delay.ts";
import { errorText, log } from "../../log/logger.ts";
import { parseAddress } from "../../net/address.ts";
import { connectTcp } from "../../net/connect.ts";
import { type Duplex, relay, safeClose } from "../../net/relay.ts";
import { startTimer, stopTimer, type Timer } from "../../net/timer.ts";
import { MuxSession } from "../mux/session.ts";
import { TUNNEL_MAX_STREAM_WINDOW } from "../mux/frame.ts";
import type { MuxStream } from "../mux/stream.ts";
import { MessageReader, writeMessage } from "../protocol/codec.ts";
import {
  type MappingOffer,
  type OpenMessage,
  parseMessage,
  TUNNEL_VERSION,
  type TunnelMessage,
  type WelcomeMessage,
} from "../protocol/messages.ts";
import { verifyFailure } from "../../pki/verify_failure.ts";
import { Backoff, HEALTHY_SESSION_MS } from "./_backoff.ts";

/**
 * Longest wait between attempts while the server cannot even be connected to: a server that
 * restarts is found again within about this long (±20 %), however long it was down.
 */
export const PROBE_CAP_MS = 4_000;
import type { StreamHandler, TunnelClientMapping } from "./types.ts";
import { serveVisitor } from "./_visitor_stream.ts";

const logger = log("tunnel");

/** How long the server has to answer `hello` (and a TLS handshake may take), ms. */
export const WELCOME_TIMEOUT_MS = 10_000;

/** Where and how a link connects; fixed for its lifetime (a change makes a new link). */
export interface LinkTarget {
  readonly address: string;
  readonly tls: null | { readonly hostname: string; readonly caCerts?: readonly string[] };
  readonly username: string;
  readonly password: string;
}

/** What a link asks its client for each time (so a reload takes effect at once). */
export interface LinkHost {
  offers(): MappingOffer[];
  mappingOf(name: string): TunnelClientMapping | undefined;
  /** How a visitor stream is served (the client's handler, or the default). */
  serve: StreamHandler;
  keepAlive(): { interval: number; timeout: number };
  onWelcome(): void;
}

/** A link's state, as the client status shows it. */
export type LinkState = "connecting" | "connected" | "retrying" | "denied";

/** One server connection, kept up. */
export class ServerLink {
  state: LinkState = "connecting";
  session: string | null = null;
  retryAt: number | null = null;
  refused: { name: string; reason: string }[] = [];
  readonly target: LinkTarget;
  readonly #host: LinkHost;
  readonly #backoff: Backoff;
  #mux: MuxSession | null = null;
  #control: MuxStream | null = null;
  #sentOffers = "";
  #stopped = false;
  #wake: (() => void) | null = null;
  #running: Promise<void> | null = null;
  #streams = 0;
  #drained: (() => void)[] = [];
  #failing = false;

  constructor(target: LinkTarget, host: LinkHost, backoff: { minMs: number; maxMs: number }) {
    this.target = target;
    this.#host = host;
    this.#backoff = new Backoff(backoff);
  }

  /** Streams open now: visitors' and the local proxy's egress streams. */
  get streams(): number {
    return this.#streams;
  }

  /** Round-trip time of the live session's last ping, ms. */
  get rtt(): number | null {
    return this.#mux?.rtt ?? null;
  }

  /** Starts connecting (once). */
  start(): void {
    this.#running ??= this.#loop();
  }

  /** Sends the client's mappings again if they changed since the server last heard them. */
  async announce(): Promise<void> {
    const offers = this.#host.offers();
    const text = JSON.stringify(offers);
    if (this.#control === null || text === this.#sentOffers) return;
    this.#sentOffers = text;
    try {
      await writeMessage(this.#control, { type: "mappings", mappings: offers });
    } catch {
      // the session is ending; the next hello carries the new mappings
    }
  }

  /**
   * Carries `conn` over a new egress stream to this server (`message` first), until both ends
   * finish; the stream counts in {@link streams} meanwhile.
   * @throws Error when the session is not up, or the stream cannot be opened (nothing was read
   * from `conn` then)
   */
  async carry(conn: Duplex, message: OpenMessage): Promise<void> {
    const stream = await this.openStream(message);
    this.#streams++;
    try {
      await relay(conn, stream);
    } catch {
      stream.close();
    } finally {
      this.#streamEnded();
    }
  }

  /**
   * Opens a stream to this server and sends `open` (egress: no mapping).
   * @throws Error when the session is not up, or the stream cannot be opened
   */
  async openStream(message: OpenMessage): Promise<MuxStream> {
    const mux = this.#mux;
    if (mux === null || this.#control === null || this.state !== "connected" || mux.isClosed) {
      throw new Error(`tunnel server ${this.target.address} is not connected`);
    }
    const stream = await mux.open();
    try {
      await writeMessage(stream, message);
    } catch (error) {
      stream.close();
      throw error;
    }
    return stream;
  }

  /** Go-away, up to `graceMs` for open streams, then close; no reconnect. */
  async stop(graceMs: number): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    const mux = this.#mux;
    if (mux !== null) {
      await mux.goAway();
      let timer: Timer;
      await Promise.race([
        this.#streams === 0 ? Promise.resolve() : new Promise<void>((r) => this.#drained.push(r)),
        mux.closed,
        new Promise<void>((resolve) => timer = startTimer(resolve, graceMs)),
      ]);
      stopTimer(timer);
      mux.close();
    }
    await this.#running;
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      this.state = "connecting";
      const outcome = await this.#attempt();
      this.#mux = null;
      this.#control = null;
      this.session = null;
      if (this.#stopped) break;
      const delay = outcome === "denied"
        ? this.#backoff.longest()
        : outcome === "unreachable"
        ? this.#backoff.nextProbe(PROBE_CAP_MS)
        : this.#backoff.next();
      this.state = outcome === "denied" ? "denied" : "retrying";
      this.retryAt = Date.now() + delay;
      await this.#sleep(delay);
      this.retryAt = null;
    }
  }

  /** One connection, from connect to the end of its session. */
  async #attempt(): Promise<"denied" | "failed" | "unreachable"> {
    let conn: Deno.Conn;
    try {
      conn = await this.#connect();
    } catch (error) {
      if (error instanceof TlsSetupError) {
        this.#problem(tlsProblem(error.cause));
        return "failed";
      }
      this.#problem(`cannot connect: ${errorText(error)}`);
      return "unreachable";
    }
    if (this.#stopped) {
      safeClose(conn);
      return "failed";
    }
    const keepAlive = this.#host.keepAlive();
    const mux = new MuxSession(conn, {
      role: "client",
      keepAliveInterval: keepAlive.interval,
      keepAliveTimeout: keepAlive.timeout,
      maxStreamWindow: TUNNEL_MAX_STREAM_WINDOW,
    });
    this.#mux = mux;
    let welcomedAt: number | null = null;
    try {
      const control = await mux.open();
      const offers = this.#host.offers();
      this.#sentOffers = JSON.stringify(offers);
      await writeMessage(control, {
        type: "hello",
        version: TUNNEL_VERSION,
        username: this.target.username,
        password: this.target.password,
        mappings: offers,
      });
      const reader = new MessageReader(control);
      const timer = startTimer(() => mux.close(), WELCOME_TIMEOUT_MS);
      let first: TunnelMessage | null;
      try {
        first = await next(reader);
      } finally {
        stopTimer(timer);
      }
      if (first?.type === "denied") {
        this.state = "denied";
        logger.warn("tunnel server {address} denied this client: {reason}", {
          address: this.target.address,
          reason: first.reason,
        });
        return "denied";
      }
      if (first?.type !== "welcome") throw new Error("the server did not answer hello");
      welcomedAt = performance.now();
      this.#control = control;
      this.#welcomed(first, true);
      this.#acceptLoop(mux);
      // A mapping change that raced the welcome is announced now.
      this.announce();
      while (true) {
        const message = await next(reader);
        if (message === null) break;
        if (message.type === "welcome") this.#welcomed(message, false);
      }
    } catch (error) {
      if (!mux.isClosed) this.#problem(errorText(error));
    } finally {
      mux.close();
    }
    const reason = await mux.closed;
    if (welcomedAt !== null) {
      if (performance.now() - welcomedAt >= HEALTHY_SESSION_MS) this.#backoff.reset();
      if (!this.#stopped) {
        logger.warn("tunnel session {session} to {address} ended{why}", {
          session: this.session,
          address: this.target.address,
          why: reason ? `: ${reason.message}` : "",
        });
      }
    }
    return "failed";
  }

  #welcomed(welcome: WelcomeMessage, first: boolean): void {
    this.state = "connected";
    this.session = welcome.session;
    this.#failing = false;
    const before = new Set(this.refused.map((r) => `${r.name}\n${r.reason}`));
    this.refused = welcome.refused.map((r) => ({ name: r.name, reason: r.reason }));
    if (first) {
      logger.info("tunnel session {session} to {address} up", {
        session: welcome.session,
        address: this.target.address,
      });
    }
    for (const r of this.refused) {
      if (!first && before.has(`${r.name}\n${r.reason}`)) continue;
      logger.warn("tunnel server {address} refused mapping {name}: {reason}", {
        address: this.target.address,
        name: r.name,
        reason: r.reason,
      });
    }
    this.#host.onWelcome();
  }

  async #acceptLoop(mux: MuxSession): Promise<void> {
    while (true) {
      const stream = await mux.accept();
      if (stream === null) return;
      this.#streams++;
      serveVisitor(stream, (name) => this.#host.mappingOf(name), this.#host.serve).finally(() =>
        this.#streamEnded()
      );
    }
  }

  #streamEnded(): void {
    this.#streams--;
    if (this.#streams === 0) { for (const resolve of this.#drained.splice(0)) resolve(); }
  }

  async #connect(): Promise<Deno.Conn> {
    const addr = parseAddress(this.target.address, false);
    if (addr === undefined) {
      throw new Error(`${JSON.stringify(this.target.address)} is not host:port`);
    }
    const tcp = await connectTcp(addr.hostname, addr.port, { timeout: WELCOME_TIMEOUT_MS });
    // Frames are small and many: Nagle would hold them for the peer's delayed ACK (40 ms).
    noDelay(tcp);
    const tls = this.target.tls;
    if (tls === null) return tcp;
    let conn: Deno.TlsConn;
    try {
      conn = await Deno.startTls(tcp, {
        hostname: tls.hostname,
        ...(tls.caCerts ? { caCerts: [...tls.caCerts] } : {}),
      });
    } catch (error) {
      safeClose(tcp);
      throw new TlsSetupError(error);
    }
    let timer: Timer;
    try {
      const expired = new Promise<"timeout">((resolve) => {
        timer = startTimer(() => resolve("timeout"), WELCOME_TIMEOUT_MS);
      });
      if (await Promise.race([conn.handshake(), expired]) === "timeout") {
        throw new Error("TLS handshake timed out");
      }
      return conn;
    } catch (error) {
      safeClose(conn);
      throw new TlsSetupError(error);
    } finally {
      stopTimer(timer);
    }
  }

  /** Logs a failure once per run of failures (the retries after it go to debug). */
  #problem(text: string): void {
    const fields = { address: this.target.address, text };
    if (this.#failing) logger.debug("tunnel server {address}: {text}", fields);
    else logger.warn("tunnel server {address}: {text}", fields);
    this.#failing = true;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = startTimer(() => {
        this.#wake = null;
        resolve();
      }, ms);
      this.#wake = () => {
        stopTimer(timer);
        this.#wake = null;
        resolve();
      };
    });
  }
}

async function next(reader: MessageReader): Promise<TunnelMessage | null> {
  const raw = await reader.next();
  return raw === null ? null : parseMessage(raw);
}

/** TLS to the server failed after the TCP connection was made (not a server that is down). */
class TlsSetupError extends Error {
  constructor(cause: unknown) {
    super(errorText(cause), { cause });
  }
}

/** One line saying what is wrong with the server's certificate and what to do about it. */
function tlsProblem(cause: unknown): string {
  const text = errorText(cause);
  switch (verifyFailure(cause)) {
    case "untrusted":
      return `cannot verify the server's certificate (${text}): copy the server's certificate ` +
        "(wmproxy-tunnel.crt beside its config, when it made its own) to this machine and name " +
        "that file in ca";
    case "name":
      return `the server's certificate does not cover the name checked (${text}): set domain ` +
        "to a name the certificate covers";
    case "expired":
      return `the server's certificate has expired (${text})`;
    default:
      return `TLS to the server failed: ${text}`;
  }
}
