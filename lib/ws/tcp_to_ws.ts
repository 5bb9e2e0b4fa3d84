import { Failover } from "../balancer/failover.ts";
import { HealthRegistry } from "../balancer/health.ts";
import { formatAddress } from "../net/address.ts";
import { safeClose } from "../net/relay.ts";
import { debugEnabled } from "../log/level.ts";
import { log } from "../log/logger.ts";
import { ConnTracker } from "../net/conn_tracker.ts";
import { bridge, type BridgeResult } from "./bridge.ts";
import { openWebSocket, openWebSocketStream, usesDomain, WsConnectError } from "./connect.ts";
import { bridgeStream } from "./stream_bridge.ts";

/** One WebSocket server a {@link TcpToWs} bridge may connect to. */
export interface WsTargetServer {
  /** `host:port`: the key for passive health. */
  readonly addr: string;
  /** The URL opened, `ws://host:port/path` or `wss://...`. */
  readonly url: string;
  /** Relative share of new connections. @default 100 */
  readonly weight: number;
  /** Seconds the server is skipped after `fall_times` failed handshakes. @default 30 */
  readonly fail_timeout: number;
  /** Consecutive failed handshakes that mark the server down. @default 2 */
  readonly fall_times: number;
}

/** Settings of a {@link TcpToWs}; swapped as a whole on reload. */
export interface TcpToWsOptions {
  /** Servers balanced over (weighted round-robin, failover on a failed handshake). */
  readonly servers: readonly WsTargetServer[];
  /** Host (and SNI for wss) when a server is addressed by IP. @default null */
  readonly domain?: string | null;
  /** Milliseconds for each WebSocket handshake. @default 10000 */
  readonly connectTimeout?: number;
  /** Milliseconds with no byte either way before both sides are closed; 0 = never. @default 600000 */
  readonly idleTimeout?: number;
}

/** A WebSocket opened to a server, ready to be bridged to the TCP connection. */
interface OpenedSocket {
  readonly url: string;
  bridge(conn: Deno.Conn, idleTimeout: number): Promise<BridgeResult>;
}

interface Generation {
  readonly options: TcpToWsOptions;
  readonly balancer: Failover<WsTargetServer>;
}

const logger = log("ws");
let nextId = 1;

/**
 * `tcp2ws` / `tcp2wss`: each accepted TCP connection opens a WebSocket to a server and is
 * bridged to it (see {@link bridge}); a failed handshake moves on to the next server. New
 * settings apply to new connections only.
 */
export class TcpToWs {
  /** The listener's name, for logs. */
  readonly name: string;
  /** Open connections, so the listener can drain. */
  readonly tracker: ConnTracker = new ConnTracker();
  #gen: Generation;

  /** Creates a bridge; `health` is shared across reloads. */
  constructor(
    name: string,
    options: TcpToWsOptions,
    health: HealthRegistry = new HealthRegistry(),
  ) {
    this.name = name;
    this.#gen = { options, balancer: new Failover(options.servers, health) };
  }

  /** Replaces the settings; the balancer is rebuilt only when the server list changed. */
  update(options: TcpToWsOptions): void {
    this.#gen = { options, balancer: this.#gen.balancer.withServers(options.servers) };
  }

  /** Health of each server, for `/status`. */
  health(): Record<string, unknown> {
    return this.#gen.balancer.status();
  }

  /** Serves one accepted connection to its end; never throws. */
  async handle(conn: Deno.TcpConn): Promise<void> {
    const gen = this.#gen;
    const id = nextId++;
    const peer = formatAddress(conn.remoteAddr);
    this.tracker.add(conn);
    try {
      const ws = await this.#open(gen, id, peer);
      if (!ws) return;
      const r = await ws.bridge(conn, gen.options.idleTimeout ?? 600_000);
      if (debugEnabled()) {
        logger.debug(
          "conn {id} {peer} → {url} closed ({reason}): {sent} bytes up, {received} down",
          {
            id,
            peer,
            url: ws.url,
            ...r,
          },
        );
      }
    } catch (e) {
      logger.error("conn {id} {peer}: unexpected {error}", { id, peer, error: e });
    } finally {
      safeClose(conn);
      this.tracker.delete(conn);
    }
  }

  async #open(gen: Generation, id: number, peer: string): Promise<OpenedSocket | undefined> {
    const picked = await gen.balancer.attempt(
      (server) => openSocket(server.url, gen.options),
      {
        isFailure: (e) => e instanceof WsConnectError,
        onFailure: ({ error, more }) =>
          logger.warn("conn {id} {peer}: {error}; {next}", {
            id,
            peer,
            error: (error as Error).message,
            next: more ? "trying the next server" : "no server left",
          }),
      },
    );
    if (picked && debugEnabled()) {
      logger.debug("conn {id} {peer} → {url}", { id, peer, url: picked.server.url });
    }
    return picked?.value;
  }
}

/**
 * Opens a `WebSocketStream`, whose bridge reads a message only once the last one was written to
 * TCP (a slow TCP client holds the server back). A `domain` for a ws:// IP address needs the
 * `WebSocket` client (the only one that can send another Host): its bridge keeps receiving and
 * queues up to `maxPending` bytes for a slow client, then closes.
 */
async function openSocket(url: string, options: TcpToWsOptions): Promise<OpenedSocket> {
  const domain = options.domain ?? null;
  const timeout = options.connectTimeout ?? 10_000;
  if (usesDomain(url, domain)) {
    const ws = await openWebSocket(url, { domain, timeout });
    return { url, bridge: (conn, idleTimeout) => bridge(ws, conn, { idleTimeout }) };
  }
  const { ws, opened } = await openWebSocketStream(url, { timeout });
  return { url, bridge: (conn, idleTimeout) => bridgeStream(ws, opened, conn, { idleTimeout }) };
}
