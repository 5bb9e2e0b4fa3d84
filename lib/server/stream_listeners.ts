import type { HealthRegistry } from "../balancer/health.ts";
import type { ListenerSpec, StreamListenerSpec } from "../config/listeners.ts";
import type { StreamServer } from "../config/schema.ts";
import { TcpForwarder, type TcpForwarderOptions } from "../stream/tcp_forwarder.ts";
import { UdpForwarder, type UdpForwarderOptions } from "../stream/udp_forwarder.ts";
import { formatAddress } from "../net/address.ts";
import type { Listener, ListenerReport } from "./listener.ts";
import { TcpListener } from "./tcp_listener.ts";
import type { TcpSlot } from "./tcp_slot.ts";
import { TcpToWsListener, WsToTcpListener } from "./ws_listeners.ts";

/** Builds the listener a `[[stream.server]]` spec asks for. */
export function createStreamListener(
  spec: StreamListenerSpec,
  health: HealthRegistry,
  slot?: TcpSlot,
): Listener {
  switch (spec.settings.bind_mode) {
    case "udp":
      return new UdpStreamListener(spec);
    case "tcp2ws":
    case "tcp2wss":
      return new TcpToWsListener(spec, health, slot);
    case "ws2tcp":
      return new WsToTcpListener(spec, health, slot);
    default:
      return new TcpStreamListener(spec, health, slot);
  }
}

/** `bind_mode = "tcp"`: a TCP slot handing connections to a {@link TcpForwarder}. */
class TcpStreamListener extends TcpListener<StreamListenerSpec, TcpForwarder> {
  constructor(spec: StreamListenerSpec, health: HealthRegistry, slot?: TcpSlot) {
    super(spec, new TcpForwarder(spec.name, tcpOptions(spec.settings), health), slot);
  }

  update(spec: ListenerSpec): boolean {
    if (spec.kind !== "stream" || spec.settings.bind_mode !== "tcp") return false;
    this.spec = spec;
    this.handler.update(tcpOptions(spec.settings));
    return true;
  }

  protected details(): Record<string, unknown> {
    return { up_name: this.spec.settings.upstream.name, upstream: this.handler.health() };
  }
}

/** `bind_mode = "udp"`: a {@link UdpForwarder}; sessions end with the listener. */
class UdpStreamListener implements Listener {
  #spec: StreamListenerSpec;
  #forwarder: UdpForwarder;

  constructor(spec: StreamListenerSpec) {
    this.#spec = spec;
    this.#forwarder = new UdpForwarder(spec.name, spec, udpOptions(spec.settings));
  }

  bind(): void {
    this.#forwarder.bind();
  }

  start(): void {
    this.#forwarder.start();
  }

  update(spec: ListenerSpec): boolean {
    if (spec.kind !== "stream" || spec.settings.bind_mode !== "udp") return false;
    this.#spec = spec;
    this.#forwarder.update(udpOptions(spec.settings));
    return true;
  }

  close(): Promise<void> {
    // UDP has no connection to finish: closing the socket ends every session.
    return this.#forwarder.close();
  }

  drain(): Promise<void> {
    return Promise.resolve();
  }

  get open(): number {
    return this.#forwarder.sessions;
  }

  report(): ListenerReport {
    const addr = this.#forwarder.boundAddr;
    const stats = this.#forwarder.stats();
    return {
      address: addr ? formatAddress(addr) : this.#spec.settings.bind_addr,
      open: this.#forwarder.sessions,
      accepted: stats.sessions,
      sessions: this.#forwarder.sessions,
      udp: stats,
    };
  }
}

function tcpOptions(s: StreamServer): TcpForwarderOptions {
  return {
    servers: s.upstream.server,
    upstream: s.upstream.name,
    connectTimeout: s.proxy_connect_timeout * 1000,
    idleTimeout: s.timeout * 1000,
    ...(s.send_proxy_protocol ? { sendProxyProtocol: s.send_proxy_protocol } : {}),
  };
}

function udpOptions(s: StreamServer): UdpForwarderOptions {
  return {
    servers: s.upstream.server,
    idleTimeout: s.timeout * 1000,
    maxSessions: s.max_sessions,
  };
}
