import type { HealthRegistry } from "../balancer/health.ts";
import type { ListenerSpec } from "../config/listeners.ts";
import type { Listener } from "./listener.ts";
import { ProxyListener } from "./proxy_listener.ts";
import { ReverseListener } from "./reverse_listener.ts";
import { createStreamListener } from "./stream_listeners.ts";
import type { TcpSlot } from "./tcp_slot.ts";

/**
 * Builds the listener a spec asks for. `slot` is a TCP socket already bound for the same
 * address by a listener of another kind that is handing it over on reload.
 */
export function createListener(
  spec: ListenerSpec,
  health: HealthRegistry,
  slot?: TcpSlot,
): Listener {
  switch (spec.kind) {
    case "proxy":
      return new ProxyListener(spec, slot);
    case "http":
      return new ReverseListener(spec, health, slot);
    default:
      return createStreamListener(spec, health, slot);
  }
}
