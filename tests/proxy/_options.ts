/** Forward-proxy options for the tests in this folder. */
import type { ForwardProxyOptions } from "../../lib/proxy/types.ts";

/** Settings with the defaults of `[proxy]` and test-friendly timeouts, overridden by `overrides`. */
export function proxyOptions(overrides: Partial<ForwardProxyOptions> = {}): ForwardProxyOptions {
  return {
    http: true,
    https: true,
    socks5: true,
    credentials: null,
    allow: null,
    deny: null,
    connectTimeout: 5000,
    handshakeTimeout: 5000,
    idleTimeout: 60_000,
    ...overrides,
  };
}
