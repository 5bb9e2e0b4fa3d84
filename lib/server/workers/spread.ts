/**
 * Which listeners run in every worker and which stay single in the main isolate, and how many
 * workers a config asks for.
 * @module
 */
import type { ListenerSpec } from "../../config/listeners.ts";
import type { Config } from "../../config/schema.ts";

/**
 * Whether each worker binds its own `reusePort` socket for `spec`, so the kernel spreads
 * connections: every TCP and TLS listener (forward proxy, reverse proxy and `bind_ssl`,
 * static files, stream tcp, WebSocket bridges). UDP forwarders (a datagram socket has no
 * `reusePort` in Deno) and the tunnel's listeners (they hand connections to the one tunnel
 * hub) stay in the main isolate.
 */
export function isSpreadable(spec: ListenerSpec): boolean {
  return spec.transport === "tcp" && spec.kind !== "tunnel";
}

/** The number of worker isolates `config` asks for: `"auto"` is one per core; 1 = none. */
export function workerCount(config: Config): number {
  const w = config.workers ?? 1;
  if (w === "auto") return Math.max(1, navigator.hardwareConcurrency || 1);
  return w;
}
