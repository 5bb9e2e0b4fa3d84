/**
 * The tunnel client's `http`/`https` mappings that set `headers`: each is served by the
 * reverse proxy engine rather than relayed raw — one virtual server for any host whose one
 * location (`/`) proxies to the mapping's `local_addr` with the mapping's header rules. The
 * connection handed to it is the visitor's stream, whose address is the visitor's at the
 * server, so `{client_ip}` and `X-Forwarded-For` name the visitor, not the tunnel.
 * @module
 */
import type { TunnelMapping } from "../config/schema.ts";
import { parseAddress } from "../net/address.ts";
import { ReverseProxy } from "../reverse/service.ts";
import type { ReverseOptions, ReverseTimeouts, ReverseUpstream } from "../reverse/types.ts";

/** The reverse proxy's timeouts when `[http]` sets none, in ms (lib/config's defaults). */
const TIMEOUTS: ReverseTimeouts = {
  proxyConnect: 10_000,
  proxyRead: 60_000,
  proxyWrite: 60_000,
  clientRead: 60_000,
  clientWrite: 60_000,
  clientKeepAlive: 75_000,
};

/**
 * Whether a mapping is served by the reverse proxy: `http`/`https` with header rules. A
 * mapping that also sends a PROXY protocol header keeps the raw relay (the reverse proxy does
 * not write one; the config warns that its headers are ignored).
 */
export function servedByReverseProxy(m: TunnelMapping): boolean {
  return (m.mode === "http" || m.mode === "https") && m.header_rules.length > 0 &&
    m.local_addr !== null && m.send_proxy_protocol === null &&
    parseAddress(m.local_addr, false) !== undefined;
}

/** A reverse proxy for each mapping {@link servedByReverseProxy} takes, by mapping name. */
export function mappingReverseProxies(
  mappings: readonly TunnelMapping[],
): Map<string, ReverseProxy> {
  const out = new Map<string, ReverseProxy>();
  for (const m of mappings) {
    if (!servedByReverseProxy(m)) continue;
    out.set(m.name, new ReverseProxy(`tunnel mapping ${m.name}`, mappingOptions(m)));
  }
  return out;
}

/** The engine options of one mapping (checked by {@link servedByReverseProxy}). */
export function mappingOptions(m: TunnelMapping): ReverseOptions {
  const localAddr = m.local_addr!;
  const addr = parseAddress(localAddr, false)!;
  const upstream: ReverseUpstream = {
    name: localAddr,
    servers: [{
      addr: localAddr,
      hostname: addr.hostname,
      port: addr.port,
      weight: 100,
      fail_timeout: 30,
      fall_times: 2,
      rise_times: 2,
    }],
    method: { kind: "round_robin" },
    healthCheck: null,
    tls: null,
  };
  return {
    // The https front ends TLS at the server: the stream carries plain HTTP, but the visitor
    // came over TLS ({scheme}, X-Forwarded-Proto).
    tls: m.mode === "https",
    servers: [{
      // The server routed the visitor here by its Host: take any.
      names: [],
      headers: [],
      allow: null,
      deny: null,
      timeouts: TIMEOUTS,
      locations: [{
        rule: "/",
        matcher: { kind: "prefix", prefix: "/" },
        methods: null,
        // Host is kept, as the raw relay keeps it; WebSocket upgrades pass through.
        action: { kind: "proxy", upstream, hostHeader: null },
        websocket: true,
        headers: m.header_rules,
        allow: null,
        deny: null,
        timeouts: TIMEOUTS,
      }],
    }],
  };
}
