import { parseAddress } from "../net/address.ts";
import { type Checker, show } from "./_checker.ts";
import type { KeyPath } from "./locate.ts";
import type { Config } from "./schema.ts";

/**
 * With `workers > 1` (or `"auto"`), every TCP and TLS listener that runs in the workers (the
 * forward proxy, `[http]` addresses, `[[stream.server]]` tcp and the WebSocket bridges) needs
 * a named port: port 0 would give each worker a port of its own, none of them the instance's.
 * UDP forwarders and the tunnel's listeners run once, in the main isolate, and may use port 0.
 */
export function checkWorkerPorts(c: Checker, config: Config): void {
  const w = config.workers ?? 1;
  if (w !== "auto" && w <= 1) return;
  const check = (addr: string, path: KeyPath) => {
    if (parseAddress(addr)?.port !== 0) return;
    c.error(
      path,
      `${show(addr)} would give each of the ${
        w === "auto" ? '"auto"' : w
      } workers a port of its own`,
      "a port other than 0 when workers > 1",
    );
  };
  if (config.proxy) check(config.proxy.bind_addr, ["proxy", "bind_addr"]);
  for (const [i, s] of (config.http?.server ?? []).entries()) {
    for (const a of s.bind_addr) check(a, ["http", "server", i, "bind_addr"]);
    for (const a of s.bind_ssl) check(a, ["http", "server", i, "bind_ssl"]);
  }
  for (const [i, s] of config.stream.server.entries()) {
    if (s.bind_mode !== "udp") check(s.bind_addr, ["stream", "server", i, "bind_addr"]);
  }
}
