import type { HealthRegistry } from "../balancer/health.ts";
import type { ListenerSpec, StreamListenerSpec } from "../config/listeners.ts";
import type { StreamServer } from "../config/schema.ts";
import { log } from "../log/logger.ts";
import { TcpForwarder, type TcpForwarderOptions } from "../stream/tcp_forwarder.ts";
import { UdpForwarder, type UdpForwarderOptions } from "../stream/udp_forwarder.ts";
import { formatHostPort } from "./format.ts";
import type { Listener, ListenerReport } from "./listener.ts";
import { TcpSlot } from "./tcp_slot.ts";

const logger = log("server");

/** Builds the listener a `[[stream.server]]` spec asks for. */
export function createStreamListener(
  spec: StreamListenerSpec,
  health: HealthRegistry,
  slot?: TcpSlot,
): Listener {
  return spec.settings.bind_mode === "udp"
    ? new UdpStreamListener(spec)
    : new TcpStreamListener(spec, health, slot);
}

/** `bind_mode = "tcp"`: a TCP slot handing connections to a {@link TcpForwarder}. */
class TcpStreamListener implements Listener {
  #spec: StreamListenerSpec;
  #forwarder: TcpForwarder;
  #slot: TcpSlot;
  #handedOver = false;

  constructor(spec: StreamListenerSpec, health: HealthRegistry, slot?: TcpSlot) {
    this.#spec = spec;
    this.#forwarder = new TcpForwarder(spec.name, tcpOptions(spec.settings), health);
    this.#slot = slot ?? new TcpSlot(spec.hostname, spec.port, this.#forwarder);
    this.#slot.setHandler(this.#forwarder);
  }

  bind(): void {
    this.#slot.bind();
  }

  start(): void {
    this.#slot.start();
  }

  update(spec: ListenerSpec): boolean {
    if (spec.kind !== "stream" || spec.settings.bind_mode !== "tcp") return false;
    this.#spec = spec;
    this.#forwarder.update(tcpOptions(spec.settings));
    return true;
  }

  handOver(): TcpSlot {
    this.#handedOver = true;
    return this.#slot;
  }

  close(): Promise<void> {
    return this.#handedOver ? Promise.resolve() : this.#slot.close();
  }

  async drain(timeoutMs: number): Promise<void> {
    const tracker = this.#forwarder.tracker;
    if (await tracker.idle(timeoutMs)) return;
    logger.warn("{name}: closing {n} connections still open after the drain timeout", {
      name: this.#spec.name,
      n: tracker.size,
    });
    tracker.closeAll();
  }

  get open(): number {
    return this.#forwarder.tracker.size;
  }

  report(): ListenerReport {
    const addr = this.#slot.boundAddr;
    return {
      address: addr ? formatHostPort(addr) : this.#spec.settings.bind_addr,
      open: this.#forwarder.tracker.size,
      accepted: this.#forwarder.tracker.accepted,
      upstream: this.#forwarder.health(),
    };
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
      address: addr ? formatHostPort(addr) : this.#spec.settings.bind_addr,
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
    connectTimeout: s.proxy_connect_timeout * 1000,
    idleTimeout: s.timeout * 1000,
  };
}

function udpOptions(s: StreamServer): UdpForwarderOptions {
  return {
    servers: s.upstream.server,
    idleTimeout: s.timeout * 1000,
    maxSessions: s.max_sessions,
  };
}
