import { parseAddress } from "../net/address.ts";
import { isLoopback } from "../net/address.ts";
import type { KeyPath } from "./locate.ts";
import { Checker, isTable, show, type Table } from "./_checker.ts";
import {
  optBool,
  optDuration,
  optInt,
  optMaxConnections,
  optProxyProtocolVersion,
  optSize,
  optString,
  tableList,
} from "./_fields.ts";
import { validateHttp } from "./_validate_http.ts";
import { validateProxy } from "./_validate_proxy_section.ts";
import { validateUpstreamServer } from "./_validate_upstream.ts";
import { ConfigErrors } from "./errors.ts";
import { tunnelListeners } from "./tunnel_listeners.ts";
import { checkWorkerPorts } from "./_worker_ports.ts";
import { parseWsTarget } from "../ws/target.ts";
import { LOG_LEVELS, type LogLevel } from "../log/level.ts";
import {
  type BindMode,
  type Config,
  DEFAULTS,
  type StreamConfig,
  type StreamServer,
  type Upstream,
  type UpstreamServer,
} from "./schema.ts";

/** A TOML table as parsed, before validation. */
export type { Table };

/** What the command line overrides in a config. */
export interface ValidateOptions {
  /** The file the config came from, for messages. */
  file?: string;
  /** Replaces `control`. */
  control?: string;
  /**
   * The control address when the file names none and `control` is not given: a reload keeps
   * the endpoint where it runs unless the new file moves it. @default "127.0.0.1:8837"
   */
  controlFallback?: string;
  /** Sets `share_ports` (`--share-ports`). @default false */
  sharePorts?: boolean;
  /** Turns the control endpoint off. @default false */
  disableControl?: boolean;
  /** Replaces `workers` (`--workers N|auto`). */
  workers?: number | "auto";
}

/** A valid config and what was ignored in it. */
export interface Validated {
  /** The typed, frozen config. */
  readonly config: Config;
  /** One line per ignored section or key, with its path and line. */
  readonly warnings: readonly string[];
}

const ADDRESS_EXPECTED = 'host:port such as "127.0.0.1:8080"';
const LATER_SECTIONS: Readonly<Record<string, string>> = {};
const BIND_MODES = ["tcp", "udp", "tcp2ws", "tcp2wss", "ws2tcp"];
const WS_MODES = ["tcp2ws", "tcp2wss"];
/** Keys of the top level. */
export const TOP_KEYS: readonly string[] = [
  "control",
  "control_token",
  "disable_control",
  "metrics_addr",
  "shutdown_timeout",
  "default_level",
  "log_file",
  "pidfile",
  "allow_no_listeners",
  "share_ports",
  "max_connections",
  "workers",
  "worker_max_requests",
  "worker_max_rss",
  "proxy",
  "http",
  "stream",
];
/** Keys of a `[[stream.server]]`. */
export const STREAM_SERVER_KEYS: readonly string[] = [
  "bind_addr",
  "bind_mode",
  "up_name",
  "proxy_url",
  "domain",
  "proxy_connect_timeout",
  "timeout",
  "max_sessions",
  "max_connections",
  "proxy_protocol",
  "send_proxy_protocol",
];
/** Keys of `[stream]`. */
export const STREAM_KEYS: readonly string[] = ["upstream", "server"];
/** Keys of a `[[stream.upstream]]`. */
export const STREAM_UPSTREAM_KEYS: readonly string[] = ["name", "bind", "server"];

/**
 * Turns a parsed TOML document into a typed, frozen {@link Config}, or throws
 * {@link ConfigErrors} listing every problem with its key path and line.
 */
export function validate(raw: Table, source: string, options: ValidateOptions = {}): Validated {
  const c = new Checker(source);
  warnUnknown(c, raw, [], TOP_KEYS);

  let control = options.control ?? optString(c, raw, ["control"]) ?? options.controlFallback ??
    DEFAULTS.control;
  const token = optString(c, raw, ["control_token"]) ?? null;
  if (options.control === undefined && raw.control !== undefined && !parseAddress(control)) {
    c.error(["control"], `${show(control)} is not a valid address`, ADDRESS_EXPECTED);
  } else if (options.control !== undefined && !parseAddress(control)) {
    c.error(["--control"], `${show(control)} is not a valid address`, ADDRESS_EXPECTED);
  }
  const disable = options.disableControl || optBool(c, raw, ["disable_control"]) === true;
  const parsedControl = parseAddress(control);
  if (!disable && parsedControl && !isLoopback(parsedControl.hostname) && !token) {
    c.error(
      [options.control === undefined ? "control" : "--control"],
      `${show(control)} is not a loopback address and control_token is not set`,
      "a loopback address, or control_token set",
    );
  }
  if (disable) control = "";
  const metricsAddr = optString(c, raw, ["metrics_addr"]) ?? null;
  const parsedMetrics = metricsAddr === null ? null : parseAddress(metricsAddr);
  if (metricsAddr !== null && !parsedMetrics) {
    c.error(["metrics_addr"], `${show(metricsAddr)} is not a valid address`, ADDRESS_EXPECTED);
  } else if (parsedMetrics && !isLoopback(parsedMetrics.hostname) && !token) {
    c.error(
      ["metrics_addr"],
      `${show(metricsAddr!)} is not a loopback address and control_token is not set`,
      "a loopback address, or control_token set",
    );
  }

  // Fields in file order, so that errors come in the order of the sections.
  const top = {
    control: control || null,
    control_token: token,
    metrics_addr: metricsAddr,
    shutdown_timeout: optDuration(c, raw, ["shutdown_timeout"]) ?? DEFAULTS.shutdown_timeout,
    default_level: optLevel(c, raw),
    log_file: optString(c, raw, ["log_file"]) ?? null,
    pidfile: optString(c, raw, ["pidfile"]) ?? null,
    allow_no_listeners: optBool(c, raw, ["allow_no_listeners"]) ?? false,
    share_ports: options.sharePorts || (optBool(c, raw, ["share_ports"]) ?? false),
    max_connections: optMaxConnections(c, raw, []),
    workers: options.workers ?? optWorkers(c, raw),
    worker_max_requests: optInt(c, raw, ["worker_max_requests"], 0, Number.MAX_SAFE_INTEGER) ?? 0,
    worker_max_rss: optWorkerMaxRss(c, raw),
  };
  warnRecycleWithoutWorkers(c, raw, top.workers);
  const proxy = validateProxy(c, raw.proxy);
  const config: Config = {
    ...top,
    proxy: proxy.proxy,
    tunnel: proxy.tunnel,
    http: validateHttp(c, raw.http),
    stream: validateStream(c, raw.stream),
  };
  checkAddressClashes(c, config);
  checkWorkerPorts(c, config);
  if (c.errors.length > 0) throw new ConfigErrors(c.errors, options.file);
  return { config: deepFreeze(config), warnings: c.warnings };
}

/** `workers`: a whole number of worker threads, or `"auto"` (one per core). */
function optWorkers(c: Checker, raw: Table): number | "auto" {
  if (raw.workers === "auto") return "auto";
  if (typeof raw.workers === "string") {
    c.error(
      ["workers"],
      `${show(raw.workers)} is not a number of workers`,
      'a whole number from 1 to 256, or "auto"',
    );
    return DEFAULTS.workers;
  }
  return optInt(c, raw, ["workers"], 1, 256) ?? DEFAULTS.workers;
}

/** The least `worker_max_rss`: an idle worker holds about 15 MB of heap and buffers. */
const WORKER_MAX_RSS_MIN = 32 * 1024 * 1024;

/** `worker_max_rss`: 0 (off) or a size of at least {@link WORKER_MAX_RSS_MIN}. */
function optWorkerMaxRss(c: Checker, raw: Table): number {
  const n = optSize(c, raw, ["worker_max_rss"]);
  if (n === undefined || n === 0 || n >= WORKER_MAX_RSS_MIN) return n ?? 0;
  c.error(
    ["worker_max_rss"],
    `${show(raw.worker_max_rss)} is too small`,
    '0 (off) or "32m" or more',
  );
  return 0;
}

/** The recycle limits mean nothing without workers: a warning names each one set. */
function warnRecycleWithoutWorkers(c: Checker, raw: Table, workers: number | "auto"): void {
  const n = workers === "auto" ? navigator.hardwareConcurrency || 1 : workers;
  if (n > 1) return;
  for (const key of ["worker_max_requests", "worker_max_rss"]) {
    if (raw[key] !== undefined && raw[key] !== 0) {
      c.warn([key], "only applies with workers > 1; ignored");
    }
  }
}

function warnUnknown(c: Checker, table: Table, path: KeyPath, known: readonly string[]): void {
  for (const key of Object.keys(table)) {
    if (known.includes(key)) continue;
    if (path.length === 0 && key in LATER_SECTIONS) {
      c.warn([key], `${LATER_SECTIONS[key]} is not supported yet; section ignored`);
    } else {
      c.warn([...path, key], "unknown or unsupported key; ignored");
    }
  }
}

function validateStream(c: Checker, raw: unknown): StreamConfig {
  if (raw === undefined) return { upstream: [], server: [] };
  if (!isTable(raw)) {
    c.error(["stream"], `${show(raw)} is not a table`, "a [stream] section");
    return { upstream: [], server: [] };
  }
  warnUnknown(c, raw, ["stream"], STREAM_KEYS);
  const upstreams = tableList(c, raw.upstream, ["stream", "upstream"])
    .map(([t, p]) => validateUpstream(c, t, p))
    .filter((u): u is Upstream => u !== undefined);
  const byName = new Map<string, Upstream>();
  upstreams.forEach((u, i) => {
    if (byName.has(u.name)) {
      c.error(
        ["stream", "upstream", i, "name"],
        `${show(u.name)} is defined twice`,
        "unique names",
      );
    }
    byName.set(u.name, u);
  });
  const servers: StreamServer[] = [];
  const bound = new Map<string, number>();
  for (const [t, p] of tableList(c, raw.server, ["stream", "server"])) {
    const s = validateServer(c, t, p, byName);
    if (!s) continue;
    const where = `${s.bind_mode === "udp" ? "udp" : "tcp"} ${s.bind_addr}`;
    const seen = bound.get(where);
    if (seen !== undefined) {
      c.error(
        [...p, "bind_addr"],
        `${show(s.bind_addr)} is already used by stream.server[${seen}]`,
        `one ${s.bind_mode === "udp" ? "udp" : "tcp"} server per address`,
      );
      continue;
    }
    bound.set(where, p[2] as number);
    servers.push(s);
  }
  return { upstream: upstreams, server: servers };
}

function validateUpstream(c: Checker, t: Table, path: KeyPath): Upstream | undefined {
  warnUnknown(c, t, path, STREAM_UPSTREAM_KEYS);
  const name = optString(c, t, [...path, "name"]);
  if (name === undefined) {
    c.error([...path, "name"], "is missing", "a name for up_name to refer to");
  }
  const bind = optString(c, t, [...path, "bind"]) ?? "tcp";
  if (bind !== "tcp" && bind !== "udp" && bind !== "") {
    c.error([...path, "bind"], `${show(bind)} is not a transport`, '"tcp" or "udp"');
  }
  const servers: UpstreamServer[] = [];
  const list = t.server;
  if (!Array.isArray(list) || list.length === 0) {
    c.error(
      [...path, "server"],
      list === undefined ? "is missing" : `${show(list)} is not a list of servers`,
      'a list like [{ addr = "127.0.0.1:8080" }]',
    );
  } else {
    list.forEach((s, i) => {
      const sp = [...path, "server", i];
      if (!isTable(s)) return c.error(sp, `${show(s)} is not a table`, '{ addr = "host:port" }');
      const server = validateUpstreamServer(c, s, sp);
      if (server) servers.push(server);
    });
  }
  if (name === undefined) return undefined;
  return { name, bind: bind === "udp" ? "udp" : "tcp", server: servers };
}

function validateServer(
  c: Checker,
  t: Table,
  path: KeyPath,
  upstreams: ReadonlyMap<string, Upstream>,
): StreamServer | undefined {
  const mode = optString(c, t, [...path, "bind_mode"]) ?? DEFAULTS.bind_mode;
  if (!BIND_MODES.includes(mode)) {
    c.error(
      [...path, "bind_mode"],
      `${show(mode)} is not a bind mode`,
      '"tcp", "udp", "tcp2ws", "tcp2wss" or "ws2tcp"',
    );
  }
  const transport = mode === "udp" ? "udp" : "tcp";
  warnUnknown(c, t, path, STREAM_SERVER_KEYS);
  const bindText = optString(c, t, [...path, "bind_addr"]);
  const bind = bindText === undefined ? undefined : parseAddress(bindText);
  if (bindText === undefined) c.error([...path, "bind_addr"], "is missing", ADDRESS_EXPECTED);
  else if (!bind) {
    c.error([...path, "bind_addr"], `${show(bindText)} is not a valid address`, ADDRESS_EXPECTED);
  }
  const upName = optString(c, t, [...path, "up_name"]) ?? null;
  const proxyUrl = optString(c, t, [...path, "proxy_url"]) ?? null;
  let upstream: Upstream | undefined;
  if (proxyUrl !== null && upName !== null) {
    c.warn([...path, "up_name"], "ignored because proxy_url is set");
  }
  const domain = optString(c, t, [...path, "domain"]) ?? null;
  if (domain !== null && !WS_MODES.includes(mode)) {
    c.warn([...path, "domain"], 'only applies to bind_mode = "tcp2ws" or "tcp2wss"; ignored');
  } else if (domain !== null && (mode === "tcp2wss" || proxyUrl?.startsWith("wss:"))) {
    c.warn(
      [...path, "domain"],
      "not applied to wss: the TLS name is the address's host (Deno's WebSocket client sets no other)",
    );
  } else if (domain !== null && !/^[A-Za-z0-9.-]+$/.test(domain)) {
    c.error(
      [...path, "domain"],
      `${show(domain)} is not a host name`,
      'a name such as "example.com"',
    );
  }
  if (proxyUrl !== null && WS_MODES.includes(mode)) {
    upstream = wsUrlUpstream(c, proxyUrl, [...path, "proxy_url"]);
  } else if (proxyUrl !== null) {
    const m = new RegExp(`^${transport}://(.+)$`).exec(proxyUrl);
    const addr = m ? parseAddress(m[1], false) : undefined;
    if (!m || !addr) {
      c.error(
        [...path, "proxy_url"],
        `${show(proxyUrl)} is not a ${transport} URL`,
        `"${transport}://host:port"`,
      );
    } else {
      upstream = {
        name: proxyUrl,
        bind: transport,
        server: [{
          addr: m[1],
          hostname: addr.hostname,
          port: addr.port,
          weight: DEFAULTS.weight,
          fail_timeout: DEFAULTS.fail_timeout,
          fall_times: DEFAULTS.fall_times,
          rise_times: DEFAULTS.rise_times,
        }],
      };
    }
  } else if (upName !== null) {
    upstream = upstreams.get(upName);
    if (!upstream) {
      const names = [...upstreams.keys()].map((n) => JSON.stringify(n)).join(", ");
      c.error(
        [...path, "up_name"],
        `${show(upName)} names no [[stream.upstream]]`,
        names ? `one of ${names}` : "the name of a [[stream.upstream]]",
      );
    } else if (upstream.bind !== transport) {
      c.error(
        [...path, "up_name"],
        `${show(upName)} is a ${upstream.bind} upstream`,
        transport === "udp" ? 'an upstream with bind = "udp"' : "a tcp upstream",
      );
    }
  } else {
    c.error(path, "has neither up_name nor proxy_url", "one of them");
  }
  const connectTimeout = optDuration(c, t, [...path, "proxy_connect_timeout"]) ??
    DEFAULTS.proxy_connect_timeout;
  const timeout = optDuration(c, t, [...path, "timeout"]) ??
    (transport === "udp" ? DEFAULTS.udp_timeout : DEFAULTS.stream_timeout);
  const maxSessions = optInt(c, t, [...path, "max_sessions"], 1, 10_000_000) ??
    DEFAULTS.max_sessions;
  if (transport === "tcp" && t.max_sessions !== undefined) {
    c.warn([...path, "max_sessions"], 'only applies to bind_mode = "udp"; ignored');
  }
  const maxConnections = optMaxConnections(c, t, path);
  if (transport === "udp" && t.max_connections !== undefined) {
    c.warn([...path, "max_connections"], 'does not apply to bind_mode = "udp" (see max_sessions)');
  }
  const proxyProtocol = optBool(c, t, [...path, "proxy_protocol"]) ?? false;
  const sendProxyProtocol = optProxyProtocolVersion(c, t, [...path, "send_proxy_protocol"]);
  for (
    const [key, set] of [["proxy_protocol", proxyProtocol], [
      "send_proxy_protocol",
      sendProxyProtocol !== null,
    ]] as const
  ) {
    if (set && mode !== "tcp") c.warn([...path, key], 'only applies to bind_mode = "tcp"; ignored');
  }
  if (!bind || !bindText || !upstream || !BIND_MODES.includes(mode)) return undefined;
  return {
    bind_addr: bindText,
    bind_mode: mode as BindMode,
    up_name: upName,
    proxy_url: proxyUrl,
    domain: WS_MODES.includes(mode) ? domain : null,
    upstream,
    proxy_connect_timeout: connectTimeout,
    timeout,
    max_sessions: maxSessions,
    max_connections: maxConnections,
    proxy_protocol: mode === "tcp" && proxyProtocol,
    send_proxy_protocol: mode === "tcp" ? sendProxyProtocol : null,
  };
}

/** A tcp2ws/tcp2wss `proxy_url`: one server at the URL's host and port. */
function wsUrlUpstream(c: Checker, url: string, path: KeyPath): Upstream | undefined {
  const target = parseWsTarget(url);
  if (target === undefined || (target.scheme !== "ws" && target.scheme !== "wss")) {
    c.error(path, `${show(url)} is not a WebSocket URL`, '"ws://host:port/path" or "wss://..."');
    return undefined;
  }
  return {
    name: url,
    bind: "tcp",
    server: [{
      addr: target.addr,
      hostname: target.hostname,
      port: target.port,
      weight: DEFAULTS.weight,
      fail_timeout: DEFAULTS.fail_timeout,
      fall_times: DEFAULTS.fall_times,
      rise_times: DEFAULTS.rise_times,
    }],
  };
}

function optLevel(c: Checker, t: Table): LogLevel {
  const v = optString(c, t, ["default_level"]);
  if (v === undefined) return DEFAULTS.default_level;
  const level = v.toLowerCase() === "warning" ? "warn" : v.toLowerCase();
  if ((LOG_LEVELS as readonly string[]).includes(level)) return level as LogLevel;
  c.error(["default_level"], `${show(v)} is not a log level`, `one of ${LOG_LEVELS.join(", ")}`);
  return DEFAULTS.default_level;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** One TCP address, one listener kind: `[proxy]`, `[http]` servers and tcp stream servers. */
function checkAddressClashes(c: Checker, config: Config): void {
  const owners = new Map<string, string>();
  const claim = (addr: string, owner: string, path: KeyPath) => {
    const seen = owners.get(addr);
    if (seen === undefined) owners.set(addr, owner);
    else if (seen !== owner || (owner !== "http" && owner !== "https")) {
      c.error(
        path,
        `${show(addr)} is already used by ${seen}`,
        "one kind of tcp listener per address",
      );
    }
  };
  for (const [i, s] of config.stream.server.entries()) {
    if (s.bind_mode !== "udp") {
      claim(s.bind_addr, `stream.server[${i}]`, ["stream", "server", i, "bind_addr"]);
    }
  }
  if (config.proxy) claim(config.proxy.bind_addr, "[proxy]", ["proxy", "bind_addr"]);
  for (const t of tunnelListeners(config)) claim(t.bind_addr, t.name, t.path);
  for (const [i, s] of (config.http?.server ?? []).entries()) {
    for (const a of s.bind_addr) claim(a, "http", ["http", "server", i, "bind_addr"]);
    for (const a of s.bind_ssl) claim(a, "https", ["http", "server", i, "bind_ssl"]);
  }
}
