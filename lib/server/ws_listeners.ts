import type { HealthRegistry } from "../balancer/health.ts";
import type { ListenerSpec, StreamListenerSpec } from "../config/listeners.ts";
import type { StreamServer } from "../config/schema.ts";
import { log } from "../log/logger.ts";
import { listenerMetrics } from "../metrics/families.ts";
import { formatAddress } from "../net/address.ts";
import { safeClose } from "../net/relay.ts";
import { TcpForwarder, type TcpForwarderOptions } from "../stream/tcp_forwarder.ts";
import { TcpToWs, type TcpToWsOptions } from "../ws/tcp_to_ws.ts";
import { acceptWsToTcp } from "../ws/ws_to_tcp.ts";
import { ConnTracker } from "../net/conn_tracker.ts";
import type { Listener, ListenerReport } from "./listener.ts";
import { TcpListener } from "./tcp_listener.ts";
import type { TcpSlot } from "./tcp_slot.ts";

const logger = log("server");

/** Whether a stream spec is a tcp2ws or tcp2wss bridge. */
export function isTcpToWs(spec: ListenerSpec): spec is StreamListenerSpec {
  return spec.kind === "stream" &&
    (spec.settings.bind_mode === "tcp2ws" || spec.settings.bind_mode === "tcp2wss");
}

/** `bind_mode = "tcp2ws"` / `"tcp2wss"`: a TCP slot handing connections to a {@link TcpToWs}. */
export class TcpToWsListener extends TcpListener<StreamListenerSpec, TcpToWs> {
  constructor(spec: StreamListenerSpec, health: HealthRegistry, slot?: TcpSlot) {
    super(spec, new TcpToWs(spec.name, tcpToWsOptions(spec.settings), health), slot);
  }

  update(spec: ListenerSpec): boolean {
    if (!isTcpToWs(spec)) return false;
    this.spec = spec;
    this.handler.update(tcpToWsOptions(spec.settings));
    return true;
  }

  protected details(): Record<string, unknown> {
    return { upstream: this.handler.health() };
  }
}

/**
 * `bind_mode = "ws2tcp"`: a `Deno.serve` server (bound with `reusePort`) upgrading each
 * request and bridging it to a TCP server picked by a {@link TcpForwarder}. Deno.serve owns its
 * socket, so there is no {@link TcpSlot} to hand over: on a reload that changes the kind at
 * this address, the successor binds a second socket on the port (`SO_REUSEPORT`) before this
 * one closes; a slot handed to this listener is closed once its own socket is bound.
 */
export class WsToTcpListener implements Listener {
  #spec: StreamListenerSpec;
  #forwarder: TcpForwarder;
  #server: Deno.HttpServer<Deno.NetAddr> | undefined;
  #predecessor: TcpSlot | undefined;
  #predecessorClosed: Promise<void> | undefined;
  #sessions = new ConnTracker();
  #closing = false;
  #stopped: Promise<void> | undefined;
  #limitHits = 0;

  constructor(spec: StreamListenerSpec, health: HealthRegistry, slot?: TcpSlot) {
    this.#spec = spec;
    this.#forwarder = new TcpForwarder(spec.name, forwarderOptions(spec.settings), health);
    this.#predecessor = slot;
  }

  bind(): void {
    // Deno.serve accepts at once: connections before start() are served with this spec.
    this.#server = Deno.serve({
      hostname: this.#spec.hostname,
      port: this.#spec.port,
      reusePort: true,
      onListen: () => {},
    }, (request, info) => this.#handle(request, info.remoteAddr));
  }

  start(): void {
    if (this.#server === undefined) this.bind();
    this.#predecessorClosed = this.#predecessor?.close();
    this.#predecessor = undefined;
  }

  /** Settles once the socket handed over by a predecessor is closed. */
  started(): Promise<void> {
    return this.#predecessorClosed ?? Promise.resolve();
  }

  update(spec: ListenerSpec): boolean {
    if (spec.kind !== "stream" || spec.settings.bind_mode !== "ws2tcp") return false;
    this.#spec = spec;
    this.#forwarder.update(forwarderOptions(spec.settings));
    return true;
  }

  close(): Promise<void> {
    // Deno's shutdown() also closes upgraded sockets: with bridges open it waits for drain(),
    // and meanwhile new requests are refused with 503.
    this.#closing = true;
    return this.#sessions.size === 0 ? this.#shutdown() : Promise.resolve();
  }

  async drain(timeoutMs: number): Promise<void> {
    if (!(await this.#sessions.idle(timeoutMs))) {
      logger.warn("{name}: closing {n} connections still open after the drain timeout", {
        name: this.#spec.name,
        n: this.#sessions.size,
      });
      this.#sessions.closeAll();
    }
    await this.#shutdown();
  }

  #shutdown(): Promise<void> {
    return this.#stopped ??= this.#server?.shutdown() ?? Promise.resolve();
  }

  get open(): number {
    return this.#sessions.size;
  }

  report(): ListenerReport {
    const addr = this.#server?.addr;
    return {
      address: addr ? formatAddress(addr) : this.#spec.bind_addr,
      open: this.#sessions.size,
      accepted: this.#sessions.accepted,
      max_connections: this.#spec.max_connections,
      at_limit: this.#sessions.size >= this.#spec.max_connections,
      limit_hits: this.#limitHits,
      upstream: this.#forwarder.health(),
    };
  }

  #handle(request: Request, remote: Deno.NetAddr): Promise<Response> {
    if (this.#closing) {
      return Promise.resolve(
        new Response("503 Service Unavailable: shutting down\n", {
          status: 503,
          headers: { connection: "close" },
        }),
      );
    }
    // Deno.serve's accept loop cannot be paused: beyond the limit, answer 503 instead.
    if (this.#sessions.size >= this.#spec.max_connections) {
      this.#limitHits++;
      listenerMetrics(this.#spec.name).refuse("max_connections");
      return Promise.resolve(
        new Response("503 Service Unavailable: max_connections reached\n", {
          status: 503,
          headers: { connection: "close" },
        }),
      );
    }
    const peer = formatAddress(remote);
    const idleTimeout = this.#spec.settings.timeout * 1000;
    return acceptWsToTcp(request, {
      connect: () => this.#forwarder.connectUpstream(peer),
      idleTimeout,
      onBridge: (conn, done) => {
        this.#sessions.add(conn);
        done.then((r) => {
          this.#sessions.delete(conn);
          safeClose(conn);
          logger.debug("ws2tcp {peer} closed ({reason}): {sent} bytes to client, {received} up", {
            peer,
            ...r,
          });
        });
      },
    });
  }
}

function tcpToWsOptions(s: StreamServer): TcpToWsOptions {
  const scheme = s.bind_mode === "tcp2wss" ? "wss" : "ws";
  return {
    servers: s.upstream.server.map((u) => ({
      addr: u.addr,
      url: s.proxy_url ?? `${scheme}://${u.addr}/`,
      weight: u.weight,
      fail_timeout: u.fail_timeout,
      fall_times: u.fall_times,
    })),
    domain: s.domain,
    connectTimeout: s.proxy_connect_timeout * 1000,
    idleTimeout: s.timeout * 1000,
  };
}

function forwarderOptions(s: StreamServer): TcpForwarderOptions {
  return {
    servers: s.upstream.server,
    connectTimeout: s.proxy_connect_timeout * 1000,
    idleTimeout: s.timeout * 1000,
  };
}
