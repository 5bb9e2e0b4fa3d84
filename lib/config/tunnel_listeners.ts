import type { KeyPath } from "./locate.ts";
import type { Config } from "./schema.ts";

/** An address a tunnel end listens on. */
export interface TunnelListener {
  /** The key it comes from: `proxy.bind_addr`, `proxy.map_http_bind`. */
  readonly name: string;
  /** The same key as a path, for error messages with a line. */
  readonly path: KeyPath;
  /** The address as configured, `host:port`. */
  readonly bind_addr: string;
  /** What it would serve: `tunnel server`, `tunnel http mappings`. */
  readonly role: string;
  /** More about it, after the address: `(TLS)`, `(auth) → 203.0.113.7:8091`; may be "". */
  readonly detail: string;
}

/**
 * The addresses a config's tunnel end would listen on: a server's `bind_addr` and each
 * `map_*_bind`, a client's local proxy `bind_addr`. Empty without a tunnel.
 */
export function tunnelListeners(config: Config): TunnelListener[] {
  const t = config.tunnel;
  if (!t) return [];
  const at = (key: string, bind_addr: string, role: string, detail = ""): TunnelListener => ({
    name: `proxy.${key}`,
    path: ["proxy", key],
    bind_addr,
    role,
    detail,
  });
  if (t.mode === "client") {
    if (!t.proxy) return [];
    const auth = t.proxy.username === null ? "no auth" : "auth";
    const role = `tunnel client proxy ${t.proxy.flag.join(",")}`;
    const detail = `(${auth}) → ${t.server.join(", ")}${t.ts ? " (TLS)" : ""}`;
    return [at("bind_addr", t.proxy.bind_addr, role, detail)];
  }
  const out = [at("bind_addr", t.bind_addr, "tunnel server", t.tc ? "(TLS)" : "")];
  if (t.map_http_bind) out.push(at("map_http_bind", t.map_http_bind, "tunnel http mappings"));
  if (t.map_https_bind) {
    out.push(at("map_https_bind", t.map_https_bind, "tunnel https mappings", "(TLS)"));
  }
  if (t.map_tcp_bind) out.push(at("map_tcp_bind", t.map_tcp_bind, "tunnel tcp mapping"));
  if (t.map_proxy_bind) out.push(at("map_proxy_bind", t.map_proxy_bind, "tunnel proxy mapping"));
  return out;
}
