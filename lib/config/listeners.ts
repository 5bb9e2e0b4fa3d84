import { parseAddress } from "../net/address.ts";
import { DEFAULTS } from "./schema.ts";
import type {
  Config,
  HttpServer,
  HttpUpstream,
  ProxySection,
  StreamServer,
  TunnelClient,
  TunnelSection,
  TunnelServer,
} from "./schema.ts";

/** What every listener spec has, whatever it does with connections. */
export interface ListenerSpecBase {
  /** Pool key: `tcp 127.0.0.1:9000`. */
  readonly key: string;
  /** Where it comes from in the config: `stream.server[0]`, `proxy`. */
  readonly name: string;
  /** Transport listened on. */
  readonly transport: "tcp" | "udp";
  /** The address as configured, `host:port`. */
  readonly bind_addr: string;
  /** Host part of the bind address. */
  readonly hostname: string;
  /** Port part of the bind address. */
  readonly port: number;
  /**
   * TCP: connections held open at most (the section's `max_connections`, else the top-level
   * one, else {@link DEFAULTS}.max_connections); udp listeners use `max_sessions` instead.
   */
  readonly max_connections: number;
  /** Whether `max_connections` was set in the config rather than defaulted. */
  readonly max_connections_set: boolean;
  /** Equal fingerprints mean the effective config is unchanged. */
  readonly fingerprint: string;
  /** Each connection starts with a PROXY protocol header naming the client. @default false */
  readonly proxy_protocol?: boolean;
}

/** A `[[stream.server]]` listener: TCP or UDP forwarding, or a WebSocket bridge (`settings.bind_mode`). */
export interface StreamListenerSpec extends ListenerSpecBase {
  /** What the listener does with connections. */
  readonly kind: "stream";
  /** The `[[stream.server]]` section the listener comes from. */
  readonly settings: StreamServer;
}

/** The `[proxy]` listener: HTTP, CONNECT and SOCKS5 on one port. */
export interface ProxyListenerSpec extends ListenerSpecBase {
  /** What the listener does with connections. */
  readonly kind: "proxy";
  /** The `[proxy]` section. */
  readonly settings: ProxySection;
}

/** What an `[http]` listener serves: the virtual hosts on its address, and every upstream. */
export interface HttpListenerSettings {
  /** The `[[http.server]]`s listening on this address, in config order (the first is the default). */
  readonly servers: readonly HttpServer[];
  /** All `[[http.upstream]]`s. */
  readonly upstreams: readonly HttpUpstream[];
  /** Clients speak TLS to this address (`bind_ssl`). @default false */
  readonly tls?: boolean;
}

/** An `[http]` listener: the reverse proxy on one address. */
export interface HttpListenerSpec extends ListenerSpecBase {
  /** What the listener does with connections. */
  readonly kind: "http";
  /** Whether clients speak TLS to it (a `bind_ssl` address): its servers' certificates, by SNI. */
  readonly tls: boolean;
  /** Servers and upstreams. */
  readonly settings: HttpListenerSettings;
}

/**
 * What a tunnel address serves: a server's `clients` (`bind_addr`), `http`, `https`, `tcp`
 * and `proxy` fronts, or a client's local `egress` proxy (its `bind_addr`).
 */
export type TunnelRole = "clients" | "http" | "https" | "tcp" | "proxy" | "egress";

/**
 * An address of a tunnel end. A server (`[proxy] mode = "server"`): where tunnel clients
 * connect (`bind_addr`), or a public front of their mappings (`map_http_bind`,
 * `map_https_bind`, `map_tcp_bind`, `map_proxy_bind`), all handing connections to the one
 * tunnel server of the process. A client: its local proxy (`bind_addr`), whose connections
 * egress at a server.
 */
export interface TunnelListenerSpec extends ListenerSpecBase {
  /** What the listener does with connections. */
  readonly kind: "tunnel";
  /** Which of the server's addresses this is. */
  readonly role: TunnelRole;
  /** Whether clients speak TLS to it (`bind_addr` with `tc`, and `map_https_bind`). */
  readonly tls: boolean;
  /** The tunnel section (a server's for its roles, a client's for `egress`). */
  readonly settings: TunnelSection;
}

/** One listener a config asks for, keyed by transport and bind address. */
export type ListenerSpec =
  | StreamListenerSpec
  | ProxyListenerSpec
  | HttpListenerSpec
  | TunnelListenerSpec;

/** The listeners a config defines: `[proxy]`, then `[http]` addresses, then `[[stream.server]]`. */
export function listenerSpecs(config: Config): ListenerSpec[] {
  const specs: ListenerSpec[] = [];
  const limit = (own: number | null | undefined) => {
    const set = own ?? config.max_connections ?? null;
    return { max_connections: set ?? DEFAULTS.max_connections, max_connections_set: set !== null };
  };
  if (config.proxy) {
    const p = config.proxy;
    const addr = parseAddress(p.bind_addr)!;
    specs.push({
      key: `tcp ${p.bind_addr}`,
      name: "proxy",
      transport: "tcp",
      bind_addr: p.bind_addr,
      hostname: addr.hostname,
      port: addr.port,
      kind: "proxy",
      settings: p,
      proxy_protocol: p.proxy_protocol ?? false,
      ...limit(p.max_connections),
      fingerprint: JSON.stringify(["proxy", p, config.max_connections]),
    });
  }
  if (config.http) {
    for (const tls of [false, true]) {
      const byAddr = new Map<string, HttpServer[]>();
      for (const server of config.http.server) {
        for (const a of tls ? server.bind_ssl : server.bind_addr) {
          byAddr.set(a, [...(byAddr.get(a) ?? []), server]);
        }
      }
      for (const [a, servers] of byAddr) {
        const addr = parseAddress(a)!;
        const settings = { servers, upstreams: config.http.upstream, tls };
        const own = servers.map((s) => s.max_connections).filter((m) => typeof m === "number");
        const pp = servers[0].proxy_protocol ?? false;
        specs.push({
          // A TLS socket is another kind of socket: plain <-> TLS at one address rebinds. So is
          // a TLS one reading PROXY headers (a plain socket before a private TLS one).
          key: `${tls ? (pp ? "tls+proxy" : "tls") : "tcp"} ${a}`,
          name: `${tls ? "https" : "http"} ${a}`,
          transport: "tcp",
          bind_addr: a,
          hostname: addr.hostname,
          port: addr.port,
          kind: "http",
          tls,
          settings,
          proxy_protocol: pp,
          ...limit(own.length > 0 ? Math.min(...own) : null),
          fingerprint: JSON.stringify(["http", tls, settings, config.max_connections]),
        });
      }
    }
  }
  if (config.tunnel?.mode === "server") specs.push(...tunnelSpecs(config.tunnel, limit(null)));
  if (config.tunnel?.mode === "client" && config.tunnel.proxy !== null) {
    specs.push(egressSpec(config.tunnel, limit(config.tunnel.proxy.max_connections)));
  }
  config.stream.server.forEach((s, i) => {
    const addr = parseAddress(s.bind_addr)!;
    // The WebSocket bridges listen on TCP too: one TCP listener per address, whatever its mode.
    const transport = s.bind_mode === "udp" ? "udp" : "tcp";
    specs.push({
      key: `${transport} ${s.bind_addr}`,
      name: `stream.server[${i}]`,
      transport,
      bind_addr: s.bind_addr,
      hostname: addr.hostname,
      port: addr.port,
      kind: "stream",
      settings: s,
      proxy_protocol: s.proxy_protocol ?? false,
      ...limit(s.max_connections),
      fingerprint: JSON.stringify(["stream", s, config.max_connections]),
    });
  });
  return specs;
}

/** The listeners of a tunnel server: its `bind_addr` and each `map_*_bind` it sets. */
function tunnelSpecs(
  t: TunnelServer,
  limit: { max_connections: number; max_connections_set: boolean },
): TunnelListenerSpec[] {
  const roles: [TunnelRole, string | null, boolean, string][] = [
    ["clients", t.bind_addr, t.tc, "bind_addr"],
    ["http", t.map_http_bind, false, "map_http_bind"],
    ["https", t.map_https_bind, true, "map_https_bind"],
    ["tcp", t.map_tcp_bind, false, "map_tcp_bind"],
    ["proxy", t.map_proxy_bind, false, "map_proxy_bind"],
  ];
  const out: TunnelListenerSpec[] = [];
  for (const [role, bind, tls, key] of roles) {
    if (bind === null) continue;
    const addr = parseAddress(bind)!;
    out.push({
      key: `${tls ? "tls" : "tcp"} ${bind}`,
      name: `proxy.${key}`,
      transport: "tcp",
      bind_addr: bind,
      hostname: addr.hostname,
      port: addr.port,
      kind: "tunnel",
      role,
      tls,
      settings: t,
      ...limit,
      fingerprint: JSON.stringify(["tunnel", role, t]),
    });
  }
  return out;
}

/** A tunnel client's local proxy: connections egress at the first connected server. */
function egressSpec(
  t: TunnelClient,
  limit: { max_connections: number; max_connections_set: boolean },
): TunnelListenerSpec {
  const p = t.proxy!;
  const addr = parseAddress(p.bind_addr)!;
  return {
    key: `tcp ${p.bind_addr}`,
    name: "proxy.bind_addr",
    transport: "tcp",
    bind_addr: p.bind_addr,
    hostname: addr.hostname,
    port: addr.port,
    kind: "tunnel",
    role: "egress",
    tls: false,
    settings: t,
    ...limit,
    fingerprint: JSON.stringify(["tunnel", "egress", p]),
  };
}

/** A short label of what a listener does: `stream/tcp`, `stream/udp`, `proxy`. */
export function listenerKind(spec: ListenerSpec): string {
  if (spec.kind === "tunnel") return `tunnel/${spec.role}`;
  if (spec.kind === "http" && spec.tls) return "https";
  return spec.kind === "stream" ? `stream/${spec.settings.bind_mode}` : spec.kind;
}

/** How the listeners of two generations differ, by pool key. */
export interface ListenerDiff {
  /** Keys only the new generation has. */
  readonly added: readonly string[];
  /** Keys only the old generation has. */
  readonly removed: readonly string[];
  /** Keys in both whose settings differ. */
  readonly changed: readonly string[];
  /** Keys in both with the same settings. */
  readonly unchanged: readonly string[];
}

/** Compares the listeners of the running generation with those of a new one. */
export function diffListeners(
  before: readonly ListenerSpec[],
  after: readonly ListenerSpec[],
): ListenerDiff {
  const old = new Map(before.map((s) => [s.key, s]));
  const added: string[] = [];
  const changed: string[] = [];
  const unchanged: string[] = [];
  for (const s of after) {
    const o = old.get(s.key);
    if (!o) added.push(s.key);
    else if (o.fingerprint === s.fingerprint) unchanged.push(s.key);
    else changed.push(s.key);
  }
  const keys = new Set(after.map((s) => s.key));
  const removed = before.filter((s) => !keys.has(s.key)).map((s) => s.key);
  return { added, removed, changed, unchanged };
}
