import type { ListenerSpec, TunnelListenerSpec, TunnelRole } from "../config/listeners.ts";
import { ConnTracker } from "../net/conn_tracker.ts";
import { safeClose } from "../net/relay.ts";
import { TcpListener, type TrackingHandler } from "./tcp_listener.ts";
import type { TcpSlot } from "./tcp_slot.ts";
import type { TunnelHub } from "./tunnel_hub.ts";

/** Hands each connection on one tunnel server address to the process's tunnel server. */
class TunnelHandler implements TrackingHandler {
  readonly tracker = new ConnTracker();
  readonly #hub: TunnelHub;
  readonly #role: TunnelRole;

  constructor(hub: TunnelHub, role: TunnelRole) {
    this.#hub = hub;
    this.#role = role;
  }

  async handle(conn: Deno.TcpConn | Deno.TlsConn): Promise<void> {
    const server = this.#hub.server;
    if (server === null) {
      safeClose(conn);
      return;
    }
    this.tracker.add(conn);
    try {
      switch (this.#role) {
        case "clients":
          await server.serveClient(conn);
          break;
        case "http":
        case "https":
          await server.serveHttp(conn, this.#role);
          break;
        case "tcp":
          await server.serveTcp(conn, "default");
          break;
      }
    } finally {
      this.tracker.delete(conn);
      safeClose(conn);
    }
  }
}

/**
 * One address of a tunnel server (`bind_addr`, `map_http_bind`, `map_https_bind`,
 * `map_tcp_bind`): a TCP (or TLS) slot whose connections go to the tunnel server the
 * {@link TunnelHub} holds, which outlives reloads.
 */
export class TunnelListener extends TcpListener<TunnelListenerSpec, TunnelHandler> {
  /**
   * @param spec the address and its role
   * @param hub where the tunnel server lives (and the certificates of TLS addresses)
   * @param slot a socket already bound for this address by a predecessor, if any
   */
  constructor(spec: TunnelListenerSpec, hub: TunnelHub, slot?: TcpSlot) {
    super(
      spec,
      new TunnelHandler(hub, spec.role),
      slot,
      spec.tls ? hub.certs(spec.role) : undefined,
    );
  }

  update(spec: ListenerSpec): boolean {
    if (spec.kind !== "tunnel" || spec.role !== this.spec.role || spec.tls !== this.spec.tls) {
      return false;
    }
    this.spec = spec;
    return true;
  }

  protected details(): Record<string, unknown> {
    return { role: this.spec.role, tls: this.spec.tls };
  }
}
