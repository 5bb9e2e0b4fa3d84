/**
 * The tunnel server: tunnel clients connect and announce mappings; visitors arriving on the
 * public fronts (`serveTcp`, `serveHttp`, `serveProxy`) are carried to a client over a new
 * stream of its session. Streams a client opens (its local proxy's egress) go to the caller's
 * {@link EgressHandler}. It accepts connections others listen for, so it owns no listener: the caller feeds
 * it (and watches {@link TunnelServer.tcpBinds} for the `remote_bind` addresses to listen on).
 * @module
 */
import { noDelay } from "../../http/no_delay.ts";
import { errorText, log } from "../../log/logger.ts";
import { relay, type RelayResult, safeClose } from "../../net/relay.ts";
import { startTimer, stopTimer } from "../../net/timer.ts";
import { MuxSession } from "../mux/session.ts";
import { TUNNEL_MAX_STREAM_WINDOW } from "../mux/frame.ts";
import type { MuxStream } from "../mux/stream.ts";
import { MessageReader, writeMessage } from "../protocol/codec.ts";
import {
  type DeniedMessage,
  type EgressPolicy,
  type MappingOffer,
  parseMessage,
  TUNNEL_VERSION,
  type WelcomeMessage,
} from "../protocol/messages.ts";
import { AuthThrottle } from "./auth_throttle.ts";
import { credentialsAccepted } from "./_credentials.ts";
import { decideOffers, type OfferPolicy } from "./offers.ts";
import { MappingRegistry, type Pick as RoutePick, type RouteReport } from "./registry.ts";
import { readRequestHead } from "./_request_head.ts";
import {
  expectHello,
  HELLO_TIMEOUT_MS,
  newSessionId,
  nextMessage,
  ServerSession,
} from "./_session.ts";

export type { RouteReport } from "./registry.ts";
export type { EgressPolicy } from "../protocol/messages.ts";
export type { MuxStream } from "../mux/stream.ts";
export type { OfferPolicy, PortSpan } from "./offers.ts";

const logger = log("tunnel");
const encoder = new TextEncoder();
const NO_BYTES = new Uint8Array(0);

/** How long a visitor of the http front has to send its first request head, ms. */
export const HEAD_TIMEOUT_MS = 30_000;

/** How long a client has to send `open` on an egress stream, ms. */
export const EGRESS_OPEN_TIMEOUT_MS = 5_000;

/** What an {@link EgressHandler} learns of an egress stream. */
export interface EgressOpen {
  /** The client's session id. */
  readonly session: string;
  /** The tunnel client's address, `ip:port`. */
  readonly client: string;
  /** The local user's address at the client, when the client sent it. */
  readonly peer: string | null;
  /** The credentials the client's `hello` carried; null when it sent none. */
  readonly credentials: { readonly username: string; readonly password: string } | null;
  /** The client's local proxy policy; null: none sent. */
  readonly policy: EgressPolicy | null;
  /** Bytes that arrived with `open` (the start of the user's traffic). */
  readonly first: Uint8Array;
}

/** Serves one egress stream (a forward proxy on its bytes); closes it on failure. */
export type EgressHandler = (stream: MuxStream, open: EgressOpen) => Promise<void>;

/** Settings of a {@link TunnelServer}. */
export interface TunnelServerOptions {
  /** Username clients must send; null: no credentials required. */
  readonly username: string | null;
  /** Password clients must send (with a username). */
  readonly password: string | null;
  /** Which offered mappings the server takes (its fronts, `allow_ports`). */
  readonly policy: OfferPolicy;
  /** Client sessions at most; more are denied ("server full"). */
  readonly maxSessions: number;
  /** Streams open at most per session. */
  readonly maxStreams: number;
  /** ms between keepalive pings (0: off). */
  readonly keepAliveInterval: number;
  /** ms without an answer after a ping before a client counts as dead. */
  readonly keepAliveTimeout: number;
  /** Serves the streams clients open (their local proxy); absent: each is reset. */
  readonly serveEgress?: EgressHandler;
}

/** One client session in {@link TunnelServerStatus}. */
export interface TunnelSessionReport {
  /** The session id the client was welcomed with. */
  id: string;
  /** The client's address, `ip:port`. */
  peer: string;
  /** Names of the mappings the server took. */
  mappings: string[];
  /** Streams open now: visitors' and the client's egress streams. */
  streams: number;
  /**
   * Bytes carried to the client (finished streams): from visitors, and the answers of the
   * egress targets to the users of its local proxy.
   */
  sent: number;
  /**
   * Bytes carried from the client (finished streams): to visitors, and from the users of its
   * local proxy to their egress targets.
   */
  received: number;
  /** Round-trip time of the last keepalive ping, ms; null before the first. */
  rtt_ms: number | null;
}

/** What {@link TunnelServer.status} reports. */
export interface TunnelServerStatus {
  /** Welcomed client sessions. */
  sessions: TunnelSessionReport[];
  /** Every route and how many sessions serve it. */
  routes: RouteReport[];
}

/** The server side of the NAT traversal tunnel. */
export class TunnelServer {
  /** Called (by the server) when {@link tcpBinds} changed; set by the caller. */
  onBindsChanged: (() => void) | null = null;
  #options: TunnelServerOptions;
  readonly #registry = new MappingRegistry<ServerSession>();
  readonly #throttle = new AuthThrottle();
  readonly #sessions = new Set<ServerSession>();
  #binds = "";
  #stopping = false;

  /** A server with no sessions yet; feed it with {@link serveClient}. */
  constructor(options: TunnelServerOptions) {
    this.#options = options;
  }

  /**
   * Reload: new credentials and limits apply to new sessions; the new policy (fronts,
   * `allow_ports`) re-decides what every live session offered, and each client is told its
   * mappings' fate again (a `welcome` on its control stream). No session is dropped.
   */
  update(options: TunnelServerOptions): void {
    const before = JSON.stringify(this.#options.policy);
    this.#options = options;
    if (JSON.stringify(options.policy) === before) return;
    for (const session of this.#sessions) {
      const control = session.control;
      if (!session.registered || control === null) continue;
      const refused = this.#offer(session, session.offers);
      this.#welcome(session, control, refused).catch(() => {
        // the session is ending; its end is logged where it is served
      });
    }
    this.#bindsMaybeChanged();
  }

  /**
   * Serves a tunnel client on `conn` (TLS, if any, already done) until its session ends.
   * Never throws.
   */
  async serveClient(conn: Deno.Conn): Promise<void> {
    const peer = addressOf(conn);
    if (this.#stopping) return safeClose(conn);
    // Frames are small and many: Nagle would hold them for the peer's delayed ACK (40 ms).
    noDelay(conn);
    const options = this.#options;
    const mux = new MuxSession(conn, {
      role: "server",
      keepAliveInterval: options.keepAliveInterval,
      keepAliveTimeout: options.keepAliveTimeout,
      maxStreams: options.maxStreams,
      maxStreamWindow: TUNNEL_MAX_STREAM_WINDOW,
    });
    const session = new ServerSession(newSessionId(), peer, mux);
    this.#sessions.add(session);
    try {
      await this.#run(session);
    } catch (error) {
      // A read failing because the session ended is the end itself, logged below.
      if (!mux.isClosed) session.endNote = errorText(error);
      mux.close();
    }
    const reason = await mux.closed;
    this.#sessions.delete(session);
    const why = session.endNote ?? reason?.message;
    if (session.registered) {
      this.#registry.remove(session);
      this.#bindsMaybeChanged();
      logger.info("tunnel session {id} from {peer} ended{why}", {
        id: session.id,
        peer,
        why: why ? `: ${why}` : "",
      });
    } else if (session.endNote !== null) {
      logger.warn("tunnel client {peer}: {why}", { peer, why });
    }
  }

  /**
   * Carries a visitor of a TCP front to a client: `bind` is `"default"` (`map_tcp_bind`) or a
   * `remote_bind` address. With no client serving it the visitor is closed at once.
   */
  async serveTcp(conn: Deno.Conn, bind: string): Promise<void> {
    const peer = addressOf(conn);
    const opened = await this.#openFor(() => this.#registry.forTcp(bind), peer);
    if (opened === null) return safeClose(conn);
    // Returned, not awaited: this frame is not kept for the life of the stream.
    return this.#relay(conn, opened.stream, opened.session, NO_BYTES);
  }

  /**
   * Carries a visitor of the http front (or the https front, after TLS) to the client serving
   * the Host of its first request; no client: `502 Bad Gateway`. The rest of the connection
   * is relayed unchanged.
   */
  async serveHttp(conn: Deno.Conn, mode: "http" | "https"): Promise<void> {
    const peer = addressOf(conn);
    try {
      // A visitor that never finishes its head is not held forever.
      const timer = startTimer(() => safeClose(conn), HEAD_TIMEOUT_MS);
      const head = await readRequestHead(conn).finally(() => stopTimer(timer));
      if (head.kind === "closed") return;
      if (head.kind === "too_large") {
        return await answer(conn, 431, "request head too large");
      }
      if (head.host === null) return await answer(conn, 400, "request has no Host");
      const host = head.host;
      const opened = await this.#openFor(() => this.#registry.forHost(mode, host), peer);
      if (opened === null) return await answer(conn, 502, `no tunnel client serves ${host}`);
      await this.#relay(conn, opened.stream, opened.session, head.bytes);
    } catch {
      // the visitor went away while being answered
    } finally {
      safeClose(conn);
    }
  }

  /**
   * Carries a visitor of `map_proxy_bind` to a client's `proxy` mapping (the client serves
   * it with its forward proxy). With no client serving one the visitor is closed at once.
   */
  async serveProxy(conn: Deno.Conn): Promise<void> {
    const peer = addressOf(conn);
    const opened = await this.#openFor(() => this.#registry.forProxy(), peer);
    if (opened === null) return safeClose(conn);
    return this.#relay(conn, opened.stream, opened.session, NO_BYTES);
  }

  /** The `remote_bind` addresses clients ask for now (the caller listens on them). */
  tcpBinds(): string[] {
    return this.#registry.tcpBinds().filter((b) => b !== "default").sort();
  }

  /** Sessions and routes right now. */
  status(): TunnelServerStatus {
    const sessions: TunnelSessionReport[] = [];
    for (const s of this.#sessions) {
      if (!s.registered) continue;
      sessions.push({
        id: s.id,
        peer: s.peer,
        mappings: [...s.mappings],
        streams: s.streams,
        sent: s.sent,
        received: s.received,
        rtt_ms: s.mux.rtt,
      });
    }
    return { sessions, routes: this.#registry.report() };
  }

  /**
   * Sends go-away on every session, waits up to `graceMs` for their streams to end (the
   * control stream aside), then closes them all.
   */
  async stop(graceMs: number): Promise<void> {
    this.#stopping = true;
    const sessions = [...this.#sessions];
    await Promise.all(sessions.map((s) => s.mux.goAway()));
    let timer;
    const deadline = new Promise<void>((resolve) => timer = startTimer(resolve, graceMs));
    await Promise.race([
      Promise.all(sessions.map((s) => Promise.race([s.drained(), s.mux.closed]))),
      deadline,
    ]);
    stopTimer(timer);
    for (const s of sessions) s.mux.close();
    await Promise.all(sessions.map((s) => s.mux.closed));
  }

  /** The handshake, then the control loop, until the session ends. */
  async #run(session: ServerSession): Promise<void> {
    const { mux, peer } = session;
    const timer = startTimer(() => {
      session.endNote = `no hello within ${HELLO_TIMEOUT_MS / 1000} s`;
      mux.close();
    }, HELLO_TIMEOUT_MS);
    const control = await mux.accept();
    if (control === null) return stopTimer(timer);
    session.control = control;
    const reader = new MessageReader(control);
    let hello;
    try {
      hello = expectHello(await nextMessage(reader));
    } finally {
      stopTimer(timer);
    }
    const options = this.#options;
    if (hello.version !== TUNNEL_VERSION) {
      return await this.#deny(
        session,
        control,
        `protocol version ${hello.version} is not ${TUNNEL_VERSION}`,
      );
    }
    const ip = hostOf(peer);
    const delay = this.#throttle.delayFor(ip);
    if (delay > 0) await new Promise((resolve) => startTimer(() => resolve(null), delay));
    if (!credentialsAccepted(hello.username, hello.password, options)) {
      this.#throttle.failed(ip);
      return await this.#deny(session, control, "bad credentials");
    }
    this.#throttle.succeeded(ip);
    session.credentials = hello.username === "" && hello.password === ""
      ? null
      : { username: hello.username, password: hello.password };
    const live = [...this.#sessions].filter((s) => s.registered).length;
    if (this.#stopping) return await this.#deny(session, control, "server stopping");
    if (live >= options.maxSessions) return await this.#deny(session, control, "server full");
    const refused = this.#offer(session, hello.mappings);
    session.registered = true;
    this.#bindsMaybeChanged();
    logger.info("tunnel session {id} from {peer} up: {taken} mappings taken, {refused} refused", {
      id: session.id,
      peer,
      taken: session.mappings.length,
      refused: refused.length,
    });
    await this.#welcome(session, control, refused);
    this.#acceptEgress(session);
    while (true) {
      const message = await nextMessage(reader);
      if (message === null) break;
      if (message.type !== "mappings") {
        throw new Error(`unexpected ${JSON.stringify(message.type)} on the control stream`);
      }
      const again = this.#offer(session, message.mappings);
      this.#bindsMaybeChanged();
      await this.#welcome(session, control, again);
    }
    mux.close();
  }

  #offer(
    session: ServerSession,
    offers: readonly MappingOffer[],
  ): { name: string; reason: string }[] {
    const { accepted, refused } = decideOffers(offers, this.#options.policy);
    session.offers = offers;
    this.#registry.set(session, accepted);
    session.mappings = accepted.map((o) => o.name);
    return refused;
  }

  async #welcome(
    session: ServerSession,
    control: MuxStream,
    refused: { name: string; reason: string }[],
  ): Promise<void> {
    const welcome: WelcomeMessage = {
      type: "welcome",
      version: TUNNEL_VERSION,
      session: session.id,
      refused,
    };
    const write = session.controlWrites.then(() => writeMessage(control, welcome));
    session.controlWrites = write.catch(() => {});
    await write;
  }

  async #deny(session: ServerSession, control: MuxStream, reason: string): Promise<void> {
    logger.warn("tunnel client {peer} denied: {reason}", { peer: session.peer, reason });
    const denied: DeniedMessage = { type: "denied", reason };
    try {
      await writeMessage(control, denied);
      await control.closeWrite();
    } catch {
      // the client is gone already
    }
    // Let the message leave before the connection goes; the client closes on reading it.
    let timer;
    await Promise.race([
      session.mux.closed,
      new Promise<void>((resolve) => timer = startTimer(resolve, 1000)),
    ]);
    stopTimer(timer);
    session.mux.close();
  }

  /** Streams the client opens (its local proxy's egress) go to `serveEgress`, if any. */
  async #acceptEgress(session: ServerSession): Promise<void> {
    while (true) {
      const stream = await session.mux.accept();
      if (stream === null) return;
      if (this.#options.serveEgress === undefined) {
        stream.close();
        continue;
      }
      session.begin();
      this.#serveEgress(session, stream).finally(() => session.end());
    }
  }

  async #serveEgress(session: ServerSession, stream: MuxStream): Promise<void> {
    const reader = new MessageReader(stream);
    const timer = startTimer(() => stream.close(), EGRESS_OPEN_TIMEOUT_MS);
    let open;
    try {
      const raw = await reader.next();
      open = raw === null ? null : parseMessage(raw);
      if (open?.type !== "open" || open.mapping !== undefined) {
        throw new Error("egress stream does not start with open (without a mapping)");
      }
    } catch (error) {
      stream.close();
      logger.warn("tunnel session {id}: egress stream {stream}: {error}", {
        id: session.id,
        stream: stream.id,
        error: errorText(error),
      });
      return;
    } finally {
      stopTimer(timer);
    }
    const handler = this.#options.serveEgress;
    if (handler === undefined) return stream.close();
    const first = reader.rest();
    // What was read so far beyond `first` is the `open` message, which is not the user's.
    const control = stream.stats.read - first.length;
    try {
      await handler(stream, {
        session: session.id,
        client: session.peer,
        peer: open.peer ?? null,
        credentials: session.credentials,
        policy: open.egress ?? null,
        first,
      });
    } catch (error) {
      stream.close();
      logger.warn("tunnel session {id}: egress: {error}", {
        id: session.id,
        error: errorText(error),
      });
    } finally {
      // Like a visitor's: `sent` went to the client (the answers), `received` came from it.
      const { read, written } = stream.stats;
      session.sent += written;
      session.received += read - control;
    }
  }

  /**
   * Opens a stream to the client `find` picks and sends `open`; when that session is gone,
   * tries once more with the next pick. Null: no client serves the route.
   */
  async #openFor(
    find: () => RoutePick<ServerSession> | null,
    peer: string,
  ): Promise<{ stream: MuxStream; session: ServerSession } | null> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const pick = find();
      if (pick === null) return null;
      let stream: MuxStream | undefined;
      try {
        stream = await pick.session.mux.open();
        await writeMessage(stream, { type: "open", mapping: pick.mapping, peer });
        return { stream, session: pick.session };
      } catch {
        stream?.close();
      }
    }
    return null;
  }

  /** Relays a visitor (after the bytes already read from it) and counts it in the session. */
  #relay(
    conn: Deno.Conn,
    stream: MuxStream,
    session: ServerSession,
    first: Uint8Array,
  ): Promise<void> {
    session.begin();
    // A `then`, not an async function awaiting: no suspended frame is kept per idle stream.
    const relayed = first.length === 0 ? relay(conn, stream) : relayAfter(conn, stream, first);
    return relayed.then((result) => {
      session.sent += first.length + result.sent;
      session.received += result.received;
      session.end();
    }, () => {
      stream.close();
      safeClose(conn);
      session.end();
    });
  }

  #bindsMaybeChanged(): void {
    const binds = this.tcpBinds().join("\n");
    if (binds === this.#binds) return;
    this.#binds = binds;
    try {
      this.onBindsChanged?.();
    } catch (error) {
      logger.error("tunnel: onBindsChanged failed: {error}", { error: errorText(error) });
    }
  }
}

/** Writes `first` to `stream`, then relays. */
async function relayAfter(
  conn: Deno.Conn,
  stream: MuxStream,
  first: Uint8Array,
): Promise<RelayResult> {
  let off = 0;
  while (off < first.length) off += await stream.write(first.subarray(off));
  return relay(conn, stream);
}

async function answer(conn: Deno.Conn, status: number, text: string): Promise<void> {
  const reasons: Record<number, string> = {
    400: "Bad Request",
    431: "Request Header Fields Too Large",
    502: "Bad Gateway",
  };
  const body = encoder.encode(`${text}\n`);
  const head =
    `HTTP/1.1 ${status} ${reasons[status]}\r\ncontent-type: text/plain; charset=utf-8\r\n` +
    `content-length: ${body.length}\r\nconnection: close\r\n\r\n`;
  const bytes = new Uint8Array([...encoder.encode(head), ...body]);
  let off = 0;
  while (off < bytes.length) off += await conn.write(bytes.subarray(off));
}

function addressOf(conn: Deno.Conn): string {
  const addr = conn.remoteAddr;
  if (addr.transport !== "tcp" && addr.transport !== "udp") return "unix";
  return addr.hostname.includes(":")
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
}

function hostOf(peer: string): string {
  return peer.replace(/:\d+$/, "");
}
