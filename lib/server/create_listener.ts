import type { HealthRegistry } from "../balancer/health.ts";
import type { ListenerSpec } from "../config/listeners.ts";
import type { Listener } from "./listener.ts";
import type { OwnPorts } from "./own_ports.ts";
import { ProxyListener } from "./proxy_listener.ts";
import { ReverseListener } from "./reverse_listener.ts";
import { createStreamListener } from "./stream_listeners.ts";
import type { TcpSlot } from "./tcp_slot.ts";
import type { TunnelHub } from "./tunnel_hub.ts";
import { TunnelListener } from "./tunnel_listener.ts";

/** What the supervisor shares with every listener it builds. */
export interface ListenerEnv {
  /** Upstream health, kept across reloads. */
  readonly health: HealthRegistry;
  /** This process's ports, for the forward proxy's target policy. */
  readonly ownPorts: OwnPorts;
  /** The tunnel server or client of the process, kept across reloads. */
  readonly tunnels: TunnelHub;
}

/**
 * Builds the listener a spec asks for. `slot` is a TCP socket already bound for the same
 * address by a listener of another kind that is handing it over on reload.
 */
export function createListener(
  spec: ListenerSpec,
  env: ListenerEnv,
  slot?: TcpSlot,
): Listener {
  switch (spec.kind) {
    case "proxy":
      return new ProxyListener(spec, env.ownPorts, slot);
    case "http":
      return new ReverseListener(spec, env.health, slot);
    case "tunnel":
      return new TunnelListener(spec, env.tunnels, slot);
    default:
      return createStreamListener(spec, env.health, slot);
  }
}
