import type { ListenerSpec, TunnelListenerSpec } from "../config/listeners.ts";
import { LogBudget } from "../log/log_budget.ts";
import { log } from "../log/logger.ts";
import { formatAddress } from "../net/address.ts";
import { CidrSet, ipAllowed } from "../net/cidr.ts";
import { ConnTracker } from "../net/conn_tracker.ts";
import { safeClose } from "../net/relay.ts";
import { refuseProxyUser } from "../proxy/refuse.ts";
import { listenerOf } from "../metrics/conn_metrics.ts";
import { Socks5Reply } from "../proxy/socks5/codec.ts";
import { TcpListener, type TrackingHandler } from "./tcp_listener.ts";
import type { TcpSlot } from "./tcp_slot.ts";
import type { TunnelHub } from "./tunnel_hub.ts";

const logger = log("server", "tunnel");
/** Why the local proxy refuses users, in its answers and log. */
const NO_SERVER = "no tunnel server is connected";
/** The shortest time between two log lines about refused local proxy users, ms. */
const REFUSAL_LOG_INTERVAL_MS = 10_000;

/** Hands each connection on one tunnel address to the process's tunnel server or client. */
class TunnelHandler implements TrackingHandler {
  readonly tracker = new ConnTracker();
  readonly #hub: TunnelHub;
  /** The listener's spec, kept current by {@link TunnelListener.update}. */
  spec: TunnelListenerSpec;
  #clients: { of: unknown; allow: CidrSet | null; deny: CidrSet | null } | null = null;
  /** Refused egress users are logged at most once per {@link REFUSAL_LOG_INTERVAL_MS}. */
  readonly #refusals = new LogBudget(REFUSAL_LOG_INTERVAL_MS);

  constructor(hub: TunnelHub, spec: TunnelListenerSpec) {
    this.#hub = hub;
    this.spec = spec;
  }

  handle(conn: Deno.TcpConn | Deno.TlsConn): Promise<void> {
    const role = this.spec.role;
    const server = this.#hub.server;
    if (role === "egress" ? this.#hub.client === null : server === null) {
      safeClose(conn);
      return Promise.resolve();
    }
    this.tracker.add(conn);
    // A `finally` on the role's promise, not an async function awaiting it: no suspended frame
    // is kept per idle connection (a tunnel stream stays open for as long as its visitor).
    return this.#serve(role, server, conn).finally(() => {
      this.tracker.delete(conn);
      safeClose(conn);
    });
  }

  #serve(
    role: TunnelListenerSpec["role"],
    server: TunnelHub["server"],
    conn: Deno.TcpConn | Deno.TlsConn,
  ): Promise<void> {
    try {
      switch (role) {
        case "clients":
          return server!.serveClient(conn);
        case "http":
        case "https":
          return server!.serveHttp(conn, role);
        case "tcp":
          return server!.serveTcp(conn, "default");
        case "proxy":
          return server!.serveProxy(conn);
        case "egress":
          return this.#egress(conn);
      }
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The client's local proxy: users outside `allow_ip` (or inside `deny_ip`) are closed; the
   * others' bytes go down an egress stream to the first connected server, which runs the
   * forward proxy (flags, credentials, targets) on them. With no server connected a user's
   * first request is answered `502 Bad Gateway` (HTTP, CONNECT) or with SOCKS5 reply 0x03
   * (network unreachable).
   */
  async #egress(conn: Deno.TcpConn | Deno.TlsConn): Promise<void> {
    const client = this.#hub.client;
    const settings = this.spec.settings;
    if (client === null || settings.mode !== "client" || settings.proxy === null) return;
    const peer = conn.remoteAddr as Deno.NetAddr;
    const p = settings.proxy;
    if (this.#clients?.of !== p) {
      const set = (list: readonly string[]) => {
        const parsed = list.length === 0 ? null : CidrSet.parse(list);
        return parsed instanceof CidrSet ? parsed : null; // validated already
      };
      this.#clients = { of: p, allow: set(p.allow_ip), deny: set(p.deny_ip) };
    }
    if (!ipAllowed(peer.hostname, this.#clients.allow, this.#clients.deny)) {
      logger.warn("tunnel egress proxy: {peer} is not allowed (allow_ip/deny_ip)", {
        peer: formatAddress(peer),
      });
      listenerOf(conn)?.refuse("access");
      return;
    }
    if (await client.carryEgress(conn, formatAddress(peer))) return;
    // No server to carry it: the user gets an answer in its own protocol, not a bare close.
    const protocol = await refuseProxyUser(conn, {
      message: NO_SERVER,
      status: 502,
      socks5Reply: Socks5Reply.NETWORK_UNREACHABLE,
      timeout: p.handshake_timeout * 1000,
    });
    const skipped = this.#refusals.take();
    if (skipped === null) return;
    logger.warn("tunnel egress proxy: {peer} ({protocol}) refused: {why}{more}", {
      peer: formatAddress(peer),
      protocol,
      why: NO_SERVER,
      more: skipped === 0 ? "" : ` (${skipped} more refused since the last such line)`,
    });
  }
}

/**
 * One address of a tunnel end: a server's `bind_addr`, `map_http_bind`, `map_https_bind`,
 * `map_tcp_bind` or `map_proxy_bind`, or a client's local proxy (`bind_addr`). A TCP (or TLS)
 * slot whose connections go to the tunnel server or client the {@link TunnelHub} holds, which
 * outlives reloads.
 */
export class TunnelListener extends TcpListener<TunnelListenerSpec, TunnelHandler> {
  /**
   * @param spec the address and its role
   * @param hub where the tunnel ends live (and the certificates of TLS addresses)
   * @param slot a socket already bound for this address by a predecessor, if any
   */
  constructor(spec: TunnelListenerSpec, hub: TunnelHub, slot?: TcpSlot) {
    super(spec, new TunnelHandler(hub, spec), slot, spec.tls ? hub.certs(spec.role) : undefined);
  }

  update(spec: ListenerSpec): boolean {
    if (spec.kind !== "tunnel" || spec.role !== this.spec.role || spec.tls !== this.spec.tls) {
      return false;
    }
    this.spec = spec;
    this.handler.spec = spec;
    return true;
  }

  protected details(): Record<string, unknown> {
    return { role: this.spec.role, tls: this.spec.tls };
  }
}
