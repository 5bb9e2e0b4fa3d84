import type { HttpListenerSettings } from "../config/listeners.ts";
import type { HttpAccessLog, HttpLocation, HttpTimeouts, HttpUpstream } from "../config/schema.ts";
import { parseAddress } from "../net/address.ts";
import { CidrSet } from "../net/cidr.ts";
import { compileRule } from "../reverse/config_syntax.ts";
import { type LimitZoneRegistry, SHARED_ZONES } from "../reverse/limit_req.ts";
import { filesAction } from "./files_action.ts";
import type {
  BalanceMethod,
  LocationAction,
  ReverseAccessLog,
  ReverseLocation,
  ReverseOptions,
  ReverseTimeouts,
  ReverseUpstream,
} from "../reverse/types.ts";

/**
 * Turns the `[http]` servers of one address into the engine's options. The config was
 * validated, so rules and CIDR lists parse, and header rules come parsed. Upstream objects
 * are shared by name across calls through `cache` so that balancer and health state can be
 * keyed by them;
 * `limit_req` zones come from `zones`, shared by every listener, so a zone keeps its buckets
 * across locations, listeners and reloads that leave its spec unchanged.
 */
export function reverseOptions(
  settings: HttpListenerSettings,
  cache: Map<string, ReverseUpstream> = new Map(),
  zones: LimitZoneRegistry = SHARED_ZONES,
): ReverseOptions {
  const byName = new Map(settings.upstreams.map((u) => [u.name, u]));
  const upstreamFor = (url: string): ReverseUpstream => {
    const [, scheme, target] = /^(https?):\/\/([^/]+)\/?$/.exec(url)!;
    const named = byName.get(target);
    const built = {
      ...(named ? fromConfig(named) : single(target)),
      tls: scheme === "https" ? {} : null,
    };
    const key = JSON.stringify(built);
    const cached = cache.get(key);
    if (cached) return cached;
    cache.set(key, built);
    return built;
  };
  return {
    tls: settings.tls ?? false,
    servers: settings.servers.map((server) => ({
      names: server.up_name,
      headers: [],
      allow: null,
      deny: null,
      timeouts: timeouts(server),
      accessLog: accessLog(server.access_log),
      errorLog: server.error_log && { file: server.error_log.file },
      locations: server.location.map((l) => location(l, upstreamFor, zones)),
    })),
  };
}

function location(
  l: HttpLocation,
  upstreamFor: (url: string) => ReverseUpstream,
  zones: LimitZoneRegistry,
): ReverseLocation {
  let action: LocationAction = { kind: "none" };
  if (l.file_server) action = filesAction(l.file_server, l.try_paths ?? null);
  else if (l.static_response !== null) {
    action = { kind: "static", body: l.static_response, status: 200 };
  } else if (l.proxy_url !== null) {
    action = { kind: "proxy", upstream: upstreamFor(l.proxy_url), hostHeader: null };
  }
  return {
    rule: l.rule,
    matcher: compileRule(l.rule) as Exclude<ReturnType<typeof compileRule>, string>,
    methods: l.method,
    action,
    websocket: l.is_ws,
    headers: l.header_rules,
    allow: cidr(l.allow_ip),
    deny: cidr(l.deny_ip),
    timeouts: timeouts(l),
    limitReq: l.limit_req && { zone: zones.zone(l.limit_req.zone), burst: l.limit_req.burst },
    rateLimit: l.rate_limit,
    maxReadBuf: l.max_read_buf,
    accessLog: accessLog(l.access_log),
    errorLog: l.error_log && { file: l.error_log.file },
  };
}

function accessLog(a: HttpAccessLog | null): ReverseAccessLog | null {
  return a && { file: a.file, format: a.format, level: a.level, fileLevel: a.file_level };
}

function timeouts(t: HttpTimeouts): ReverseTimeouts {
  return {
    proxyConnect: t.proxy_connect_timeout * 1000,
    proxyRead: t.proxy_read_timeout * 1000,
    proxyWrite: t.proxy_write_timeout * 1000,
    clientRead: t.client_read_timeout * 1000,
    clientWrite: t.client_write_timeout * 1000,
    clientKeepAlive: t.client_ka_timeout * 1000,
  };
}

function cidr(list: readonly string[]): CidrSet | null {
  if (list.length === 0) return null;
  const set = CidrSet.parse(list);
  return set instanceof CidrSet ? set : null;
}

function method(text: string): BalanceMethod {
  if (text === "least_conn") return { kind: "least_conn" };
  if (text === "ip_hash") return { kind: "ip_hash" };
  const hash = /^hash\s+(.+)$/.exec(text);
  if (hash) return { kind: "hash", key: hash[1].trim() };
  return { kind: "round_robin" };
}

function fromConfig(u: HttpUpstream): ReverseUpstream {
  return {
    name: u.name,
    servers: u.server.map((s) => ({ ...s })),
    method: method(u.method),
    keepalive: u.keepalive,
    keepaliveTimeoutMs: u.keepalive_timeout * 1000,
    ...(u.send_proxy_protocol ? { sendProxyProtocol: u.send_proxy_protocol } : {}),
    healthCheck: u.health_check && {
      path: u.health_check.path,
      intervalMs: u.health_check.interval * 1000,
      timeoutMs: u.health_check.timeout * 1000,
    },
  };
}

function single(hostPort: string): ReverseUpstream {
  const addr = parseAddress(hostPort, false)!;
  return {
    name: hostPort,
    servers: [{
      addr: hostPort,
      hostname: addr.hostname,
      port: addr.port,
      weight: 100,
      fail_timeout: 30,
      fall_times: 2,
      rise_times: 2,
    }],
    method: { kind: "round_robin" },
    healthCheck: null,
  };
}
