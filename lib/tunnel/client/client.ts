/**
 * The tunnel client: inside a private network, it keeps one multiplexed session to each
 * tunnel server and serves the mappings it announced there, connecting each stream the server
 * opens for a visitor to the mapping's local address (or handing it to the caller's
 * {@link StreamHandler}). Its egress streams ({@link TunnelClient.openEgress}) go the other
 * way: to the first connected server, which serves them.
 * @module
 */
import type { MuxStream } from "../mux/stream.ts";
import type { Duplex } from "../../net/relay.ts";
import type { EgressPolicy, MappingOffer, OpenMessage } from "../protocol/messages.ts";

export type { EgressPolicy, MappingMode } from "../protocol/messages.ts";
export type { MuxStream } from "../mux/stream.ts";
import { type LinkHost, type LinkTarget, ServerLink } from "./_link.ts";
import { serveLocal } from "./_visitor_stream.ts";

export { serveLocal } from "./_visitor_stream.ts";
import type { StreamHandler, TunnelClientMapping } from "./types.ts";
export type { StreamHandler, TunnelClientMapping, VisitorOpen } from "./types.ts";

/** No tunnel server is connected: an egress stream cannot be opened now. */
export class TunnelUnavailableError extends Error {
  override name = "TunnelUnavailableError";
}

/** A tunnel server to connect to. */
export interface TunnelServerTarget {
  /** `host:port`. */
  readonly address: string;
  /** TLS: the name to verify (and send as SNI), and extra trusted CAs (PEM); null: plain TCP. */
  readonly tls: null | { readonly hostname: string; readonly caCerts?: readonly string[] };
}

/** Settings of a {@link TunnelClient}. */
export interface TunnelClientOptions {
  /** One session is kept per server, each on its own. */
  readonly servers: readonly TunnelServerTarget[];
  /** Sent in `hello`; the server's `username`. */
  readonly username: string;
  /** Sent in `hello`; the server's `password`. */
  readonly password: string;
  /** Announced to every server. */
  readonly mappings: readonly TunnelClientMapping[];
  /** ms between keepalive pings (0: off). */
  readonly keepAliveInterval: number;
  /** ms without an answer after a ping before the server counts as dead. */
  readonly keepAliveTimeout: number;
  /** Reconnect delay bounds, ms. @default { minMs: 1000, maxMs: 30000 } */
  readonly backoff?: { readonly minMs: number; readonly maxMs: number };
  /** Serves each visitor stream. @default {@link serveLocal} */
  readonly serveStream?: StreamHandler;
  /** Sent with each egress `open`: what the server's forward proxy allows its users. */
  readonly egress?: EgressPolicy;
}

/** What {@link TunnelClient.status} reports. */
export interface TunnelClientStatus {
  /** One entry per configured server, in order. */
  servers: {
    address: string;
    state: "connecting" | "connected" | "retrying" | "denied";
    /** The session id the server gave, while connected. */
    session: string | null;
    /** When the next attempt is due (ISO 8601), while waiting. */
    retry_at: string | null;
    /** Mappings the server refused, with its reasons. */
    refused: { name: string; reason: string }[];
    /** Streams open now: visitors' and the local proxy's egress streams. */
    streams: number;
    rtt_ms: number | null;
  }[];
}

const DEFAULT_BACKOFF = { minMs: 1000, maxMs: 30_000 };
/** Grace for the streams of a session dropped by a reload (server removed or changed), ms. */
const RELOAD_GRACE_MS = 30_000;

/** The client side of the NAT traversal tunnel. */
export class TunnelClient {
  /** Resolves the first time any server answered `welcome`. */
  readonly ready: Promise<void>;
  #options: TunnelClientOptions;
  #links = new Map<string, ServerLink>();
  readonly #retiring = new Set<Promise<void>>();
  readonly #host: LinkHost;
  #started = false;
  #stopped = false;

  /** A client not connected yet; {@link start} connects. */
  constructor(options: TunnelClientOptions) {
    this.#options = options;
    let resolveReady!: () => void;
    this.ready = new Promise((resolve) => resolveReady = resolve);
    this.#host = {
      offers: () => offersOf(this.#options.mappings),
      mappingOf: (name) => this.#options.mappings.find((m) => m.name === name),
      serve: (stream, open) => (this.#options.serveStream ?? serveLocal)(stream, open),
      keepAlive: () => ({
        interval: this.#options.keepAliveInterval,
        timeout: this.#options.keepAliveTimeout,
      }),
      onWelcome: () => resolveReady(),
    };
  }

  /** Connects to every server (once). */
  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    this.#sync();
  }

  /**
   * Reload: when only the mappings changed, live sessions get a `mappings` message (no
   * reconnect); a server whose address, TLS or the credentials changed is reconnected;
   * servers are added and removed.
   */
  update(options: TunnelClientOptions): void {
    this.#options = options;
    if (this.#started && !this.#stopped) this.#sync();
  }

  /** Every server's connection right now, in the order of the options. */
  status(): TunnelClientStatus {
    const servers: TunnelClientStatus["servers"] = [];
    for (const target of this.#options.servers) {
      const link = this.#links.get(keyOf(this.#linkTarget(target)));
      if (link === undefined) continue;
      servers.push({
        address: target.address,
        state: link.state,
        session: link.session,
        retry_at: link.retryAt === null ? null : new Date(link.retryAt).toISOString(),
        refused: link.refused.map((r) => ({ ...r })),
        streams: link.streams,
        rtt_ms: link.rtt,
      });
    }
    return { servers };
  }

  /**
   * Carries a local user's connection over an egress stream (see {@link openEgress} for which
   * server) until both ends finish; the stream counts in that server's `streams` meanwhile.
   * @param conn the user's connection; closed at the end, untouched when no stream opened
   * @param peer the local user's address, `ip:port` (for the server's logs)
   * @returns false, having read nothing from `conn`, when no server is connected or opening
   * the stream failed on every one
   */
  async carryEgress(conn: Duplex, peer?: string): Promise<boolean> {
    const message = this.#egressOpen(peer);
    for (const link of this.#connectedLinks()) {
      try {
        await link.carry(conn, message);
        return true;
      } catch {
        // that session is ending: the next server
      }
    }
    return false;
  }

  /**
   * Opens an egress stream: on the first server (in the order of the options) whose session
   * is up, the next one when that fails. The server runs its forward proxy on the stream's
   * bytes. The caller owns the stream: it does not count in the status
   * ({@link carryEgress} does).
   * @param peer the local user's address, `ip:port` (for the server's logs)
   * @throws {TunnelUnavailableError} when no server is connected
   */
  async openEgress(peer?: string): Promise<MuxStream> {
    const message = this.#egressOpen(peer);
    for (const link of this.#connectedLinks()) {
      try {
        return await link.openStream(message);
      } catch {
        // that session is ending: the next server
      }
    }
    throw new TunnelUnavailableError("no tunnel server is connected");
  }

  /** The `open` message of an egress stream. */
  #egressOpen(peer: string | undefined): OpenMessage {
    const egress = this.#options.egress;
    return {
      type: "open",
      ...(peer === undefined ? {} : { peer }),
      ...(egress === undefined ? {} : { egress }),
    };
  }

  /** The links whose session is up, in the order of the options. */
  *#connectedLinks(): Generator<ServerLink> {
    for (const target of this.#options.servers) {
      const link = this.#links.get(keyOf(this.#linkTarget(target)));
      if (link !== undefined && link.state === "connected") yield link;
    }
  }

  /** Go-away on every session, up to `graceMs` for open streams, then close; no reconnects. */
  async stop(graceMs: number): Promise<void> {
    this.#stopped = true;
    const links = [...this.#links.values()];
    this.#links.clear();
    await Promise.all([...links.map((l) => l.stop(graceMs)), ...this.#retiring]);
  }

  #sync(): void {
    const wanted = new Map<string, LinkTarget>();
    for (const server of this.#options.servers) {
      const target = this.#linkTarget(server);
      wanted.set(keyOf(target), target);
    }
    for (const [key, link] of this.#links) {
      if (wanted.has(key)) continue;
      this.#links.delete(key);
      const done = link.stop(RELOAD_GRACE_MS);
      this.#retiring.add(done);
      done.finally(() => this.#retiring.delete(done));
    }
    const backoff = this.#options.backoff ?? DEFAULT_BACKOFF;
    for (const [key, target] of wanted) {
      const link = this.#links.get(key);
      if (link !== undefined) {
        link.announce();
        continue;
      }
      const fresh = new ServerLink(target, this.#host, backoff);
      this.#links.set(key, fresh);
      fresh.start();
    }
  }

  #linkTarget(server: TunnelServerTarget): LinkTarget {
    return {
      address: server.address,
      tls: server.tls,
      username: this.#options.username,
      password: this.#options.password,
    };
  }
}

function offersOf(mappings: readonly TunnelClientMapping[]): MappingOffer[] {
  return mappings.map((m) => ({
    name: m.name,
    mode: m.mode,
    domains: [...m.domains],
    ...(m.remoteBind === undefined ? {} : { remoteBind: m.remoteBind }),
  }));
}

function keyOf(target: LinkTarget): string {
  return JSON.stringify([target.address, target.tls, target.username, target.password]);
}
