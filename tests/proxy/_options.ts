/** Forward-proxy options and per-connection contexts for the handler tests in this folder. */
import { TargetPolicy } from "../../lib/proxy/target_policy.ts";
import type { ForwardProxyOptions, ProxyConnContext } from "../../lib/proxy/types.ts";

/** Settings with the defaults of `[proxy]` and test-friendly timeouts, overridden by `overrides`. */
export function proxyOptions(overrides: Partial<ForwardProxyOptions> = {}): ForwardProxyOptions {
  return {
    http: true,
    https: true,
    socks5: true,
    credentials: null,
    allow: null,
    deny: null,
    // A proxy on loopback that is nothing else: the test origins on loopback are reachable.
    targets: new TargetPolicy(),
    connectTimeout: 5000,
    handshakeTimeout: 5000,
    idleTimeout: 60_000,
    ...overrides,
  };
}

/** The context the proxy listener hands a handler: sockets it tracks go into `tracked`. */
export function connContext(
  conn: Deno.TcpConn,
  id: number,
  options: ForwardProxyOptions,
  tracked: Set<{ close(): void }>,
): ProxyConnContext {
  return {
    id,
    peer: conn.remoteAddr,
    local: conn.localAddr,
    options,
    track: (c) => tracked.add(c),
    untrack: (c) => tracked.delete(c),
  };
}
