import { parseAddress } from "../net/address.ts";
import { compileRule } from "../reverse/config_syntax.ts";
import { HeaderRuleError, parseHeaderRule } from "../reverse/header_rule_syntax.ts";
import type { HeaderRule } from "../reverse/types.ts";
import { parseLimitReq, parseLimitZone, parseRate } from "../reverse/limit_syntax.ts";
import { parseAccessLevel, parseLogFormat } from "../reverse/access_log.ts";
import { unknownVariables } from "../reverse/template.ts";
import { type Checker, isTable, show, type Table } from "./_checker.ts";
import {
  optBool,
  optCidrList,
  optDuration,
  optInt,
  optMaxConnections,
  optProxyProtocolVersion,
  optString,
  tableList,
  wordList,
} from "./_fields.ts";
import { readTlsFiles } from "./_tls_files.ts";
import { validateFileServer, validateTryPaths } from "./_validate_file_server.ts";
import { validateUpstreamServer } from "./_validate_upstream.ts";
import type { KeyPath } from "./locate.ts";
import type {
  HttpAccessLog,
  HttpErrorLog,
  HttpLimitReq,
  HttpLimitReqZone,
  HttpLocation,
  HttpSection,
  HttpServer,
  HttpTimeouts,
  HttpUpstream,
  UpstreamServer,
} from "./schema.ts";

/** Reverse-proxy timeout defaults, in seconds (nginx's where it has one). */
export const HTTP_TIMEOUTS: HttpTimeouts = Object.freeze({
  proxy_connect_timeout: 10,
  proxy_read_timeout: 60,
  proxy_write_timeout: 60,
  client_read_timeout: 60,
  client_write_timeout: 60,
  client_ka_timeout: 75,
});
const TIMEOUT_KEYS = Object.keys(HTTP_TIMEOUTS) as (keyof HttpTimeouts)[];
/** Keys every level (`[http]`, server, location) may set; inherited downwards. */
export const HTTP_COMMON_KEYS: readonly string[] = [
  ...TIMEOUT_KEYS,
  "headers",
  "allow_ip",
  "deny_ip",
  "limit_req",
  "rate_limit",
  "max_read_buf",
  "access_log",
  "error_log",
];
/** Keys of `[http]` itself, besides {@link HTTP_COMMON_KEYS}. */
export const HTTP_KEYS: readonly string[] = [
  "upstream",
  "server",
  "limit_req_zone",
  "log_format",
  "log_names",
];
/** Keys of an `[[http.upstream]]`. */
export const HTTP_UPSTREAM_KEYS: readonly string[] = [
  "name",
  "server",
  "method",
  "health_check",
  "bind",
  "keepalive",
  "keepalive_timeout",
  "send_proxy_protocol",
];
/** Keys of an upstream's `health_check` table. */
export const HEALTH_CHECK_KEYS: readonly string[] = ["path", "interval", "timeout"];
/** Keys of an `[[http.server]]`, besides {@link HTTP_COMMON_KEYS}. */
export const HTTP_SERVER_KEYS: readonly string[] = [
  "bind_addr",
  "bind_ssl",
  "up_name",
  "server_name",
  "location",
  "cert",
  "key",
  "root",
  "max_connections",
  "proxy_protocol",
  "http2",
];
/** Keys of an `[[http.server.location]]`, besides {@link HTTP_COMMON_KEYS}. */
export const LOCATION_KEYS: readonly string[] = [
  "rule",
  "method",
  "proxy_url",
  "reverse_proxy",
  "proxy_pass",
  "static_response",
  "up_name",
  "file_server",
  "try_paths",
  "root",
  "is_ws",
];
/** wmproxy keys this version reads but does not implement yet: one warning each. */
const LATER: Readonly<Record<string, string>> = {
  client_timeout: "client_timeout",
  proxy_timeout: "proxy_timeout",
  domain: "domain",
};
const METHODS = /^(round_robin|least_conn|ip_hash|hash\s+\{?\w+\}?)$/;
const ADDRESS_EXPECTED = 'host:port such as "127.0.0.1:80"';

interface Inherited extends HttpTimeouts {
  readonly headers: readonly string[];
  readonly header_rules: readonly HeaderRule[];
  readonly allow_ip: readonly string[];
  readonly deny_ip: readonly string[];
  readonly limit_req: HttpLimitReq | null;
  readonly rate_limit: number | null;
  readonly max_read_buf: number | null;
  readonly access_log: HttpAccessLog | null;
  readonly error_log: HttpErrorLog | null;
  /** A server's `root`, for its file_server locations. */
  readonly root?: string | null;
}

/** What inner levels may refer to by name. */
interface Known {
  readonly upstreams: ReadonlyMap<string, HttpUpstream>;
  readonly zones: ReadonlyMap<string, HttpLimitReqZone>;
  readonly logs: Logs;
}

/** `[http.log_names]` and `[http.log_format]`, validated. */
interface Logs {
  readonly names: ReadonlyMap<string, { readonly file: string; readonly level: string }>;
  readonly formats: ReadonlyMap<string, string>;
}

/** Validates `[http]`; null when absent. */
export function validateHttp(c: Checker, raw: unknown): HttpSection | null {
  if (raw === undefined) return null;
  const path: KeyPath = ["http"];
  if (!isTable(raw)) {
    return c.error(path, `${show(raw)} is not a table`, "an [http] section") ?? null;
  }
  warnKeys(c, raw, path, [...HTTP_KEYS, ...HTTP_COMMON_KEYS]);
  const zones = limitZones(c, raw.limit_req_zone, [...path, "limit_req_zone"]);
  const logs: Logs = {
    names: logNames(c, raw.log_names, [...path, "log_names"]),
    formats: logFormats(c, raw.log_format, [...path, "log_format"]),
  };
  const top = inherit(
    c,
    raw,
    path,
    {
      ...HTTP_TIMEOUTS,
      headers: [],
      header_rules: [],
      allow_ip: [],
      deny_ip: [],
      limit_req: null,
      rate_limit: null,
      max_read_buf: null,
      access_log: null,
      error_log: null,
    },
    zones,
    logs,
  );
  const upstreams = tableList(c, raw.upstream, [...path, "upstream"])
    .map(([t, p]) => validateUpstream(c, t, p))
    .filter((u): u is HttpUpstream => u !== undefined);
  const byName = new Map<string, HttpUpstream>();
  upstreams.forEach((u, i) => {
    if (byName.has(u.name)) {
      c.error([...path, "upstream", i, "name"], `${show(u.name)} is defined twice`, "unique names");
    }
    byName.set(u.name, u);
  });
  const servers = tableList(c, raw.server, [...path, "server"])
    .map(([t, p]) => validateServer(c, t, p, top, { upstreams: byName, zones, logs }))
    .filter((s): s is HttpServer => s !== undefined);
  checkProxyProtocolAgrees(c, servers);
  return {
    limit_req_zone: Object.fromEntries(zones),
    log_format: Object.fromEntries(logs.formats),
    log_names: Object.fromEntries(
      [...logs.names].map(([n, l]) => [n, `${l.file} ${l.level}`]),
    ),
    upstream: upstreams,
    server: servers,
  };
}

/** Servers sharing an address must agree on `proxy_protocol`: it is the address's. */
function checkProxyProtocolAgrees(c: Checker, servers: readonly HttpServer[]): void {
  const byAddr = new Map<string, number>();
  servers.forEach((s, i) => {
    for (const a of [...s.bind_addr, ...s.bind_ssl]) {
      const first = byAddr.get(a);
      if (first === undefined) byAddr.set(a, i);
      else if ((servers[first].proxy_protocol ?? false) !== (s.proxy_protocol ?? false)) {
        c.error(
          ["http", "server", i, "proxy_protocol"],
          `${show(a)} is shared with http.server[${first}], which says ${
            servers[first].proxy_protocol ?? false
          }`,
          "the same proxy_protocol on every server of an address",
        );
      }
    }
  });
}

const LEVELS_EXPECTED = '"trace", "debug", "info", "warn" or "error"';

function stringTable(
  c: Checker,
  raw: unknown,
  path: KeyPath,
  expected: string,
): [string, string][] {
  if (raw === undefined) return [];
  if (!isTable(raw)) return c.error(path, `${show(raw)} is not a table`, expected) ?? [];
  const out: [string, string][] = [];
  for (const [name, v] of Object.entries(raw)) {
    if (typeof v === "string") out.push([name, v]);
    else c.error([...path, name], `${show(v)} is not a string`, expected);
  }
  return out;
}

function logNames(
  c: Checker,
  raw: unknown,
  path: KeyPath,
): Map<string, { file: string; level: string }> {
  const expected = '"PATH [LEVEL]" such as "logs/access.log info"';
  const out = new Map<string, { file: string; level: string }>();
  for (const [name, text] of stringTable(c, raw, path, expected)) {
    const [file, levelText, ...rest] = text.trim().split(/\s+/);
    const level = levelText === undefined ? "trace" : parseAccessLevel(levelText);
    if (!file || rest.length > 0 || level === null) {
      c.error(
        [...path, name],
        level === null
          ? `${show(text)} has no level ${show(levelText)}`
          : `${show(text)} is not "PATH [LEVEL]"`,
        level === null ? LEVELS_EXPECTED : expected,
      );
      continue;
    }
    out.set(name, { file, level });
  }
  return out;
}

/** The format `main` names when `[http.log_format]` does not define it (wmproxy's). */
export const MAIN_LOG_FORMAT =
  "{d(%Y-%m-%d %H:%M:%S)} {client_ip} {l} {url} path:{path} query:{query} host:{host} " +
  "status: {status} {up_status} referer: {referer} user_agent: {user_agent} cookie: {cookie}";

function logFormats(c: Checker, raw: unknown, path: KeyPath): Map<string, string> {
  const expected = 'text with variables such as "{client_ip} {url} {status}"';
  const out = new Map<string, string>([["main", MAIN_LOG_FORMAT]]);
  for (const [name, text] of stringTable(c, raw, path, expected)) {
    const parsed = parseLogFormat(text);
    if (typeof parsed === "string") c.error([...path, name], `${show(text)} ${parsed}`, expected);
    else out.set(name, text);
  }
  return out;
}

function logName(c: Checker, path: KeyPath, name: string, logs: Logs, text: string) {
  const file = logs.names.get(name);
  if (file) return file;
  const names = [...logs.names.keys()].map((n) => `"${n}"`).join(", ");
  return c.error(
    path,
    `${show(text)} names no [http.log_names] entry ${show(name)}`,
    names ? `a log name: one of ${names}` : "a name defined in [http.log_names]",
  );
}

function accessLog(c: Checker, t: Table, path: KeyPath, logs: Logs): HttpAccessLog | undefined {
  const text = optString(c, t, path);
  if (text === undefined) return undefined;
  const [name, formatName, levelText, ...rest] = text.trim().split(/\s+/);
  if (!name || !formatName || rest.length > 0) {
    return c.error(path, `${show(text)} is not "NAME FORMAT [LEVEL]"`, '"access main info"');
  }
  const level = levelText === undefined ? "trace" : parseAccessLevel(levelText);
  if (level === null) {
    return c.error(path, `${show(text)} has no level ${show(levelText)}`, LEVELS_EXPECTED);
  }
  const file = logName(c, path, name, logs, text);
  if (!file) return undefined;
  const format = logs.formats.get(formatName);
  if (format === undefined) {
    const names = [...logs.formats.keys()].map((n) => `"${n}"`).join(", ");
    return c.error(
      path,
      `${show(text)} names no [http.log_format] entry ${show(formatName)}`,
      names ? `a format: one of ${names}` : "a name defined in [http.log_format]",
    );
  }
  return { name, file: file.file, format_name: formatName, format, level, file_level: file.level };
}

function errorLog(c: Checker, t: Table, path: KeyPath, logs: Logs): HttpErrorLog | undefined {
  const text = optString(c, t, path);
  if (text === undefined) return undefined;
  const [name, levelText, ...rest] = text.trim().split(/\s+/);
  if (!name || rest.length > 0) {
    return c.error(path, `${show(text)} is not "NAME [LEVEL]"`, '"error warn"');
  }
  const level = levelText === undefined ? "trace" : parseAccessLevel(levelText);
  if (level === null) {
    return c.error(path, `${show(text)} has no level ${show(levelText)}`, LEVELS_EXPECTED);
  }
  const file = logName(c, path, name, logs, text);
  return file && { name, file: file.file, level };
}

const ZONE_EXPECTED = '"{client_ip} limit=10m rate=1000r/s"';

function limitZones(c: Checker, raw: unknown, path: KeyPath): Map<string, HttpLimitReqZone> {
  const zones = new Map<string, HttpLimitReqZone>();
  if (raw === undefined) return zones;
  if (!isTable(raw)) {
    c.error(path, `${show(raw)} is not a table`, `a table of NAME = ${ZONE_EXPECTED}`);
    return zones;
  }
  for (const [name, spec] of Object.entries(raw)) {
    const p = [...path, name];
    if (typeof spec !== "string") {
      c.error(p, `${show(spec)} is not a zone spec`, ZONE_EXPECTED);
      continue;
    }
    const parsed = parseLimitZone(spec);
    if (typeof parsed === "string") {
      c.error(p, `${show(spec)} ${parsed}`, ZONE_EXPECTED);
      continue;
    }
    for (const v of unknownVariables(parsed.key)) {
      c.warn(p, `{${v}} is not a variable; it stays as written in the key`);
    }
    zones.set(name, { name, ...parsed });
  }
  return zones;
}

function limitReq(
  c: Checker,
  t: Table,
  path: KeyPath,
  zones: ReadonlyMap<string, HttpLimitReqZone>,
): HttpLimitReq | undefined {
  const text = optString(c, t, path);
  if (text === undefined) return undefined;
  const parsed = parseLimitReq(text);
  const names = [...zones.keys()].map((n) => `"zone=${n}"`).join(", ");
  const expected = names
    ? `"zone=NAME burst=N" naming one of ${names}`
    : '"zone=NAME burst=N" naming a [http.limit_req_zone] entry';
  if (typeof parsed === "string") return c.error(path, `${show(text)} ${parsed}`, expected);
  const zone = zones.get(parsed.zone);
  if (!zone) {
    return c.error(path, `${show(text)} names no [http.limit_req_zone] entry`, expected);
  }
  return { zone, burst: parsed.burst };
}

function rateLimit(c: Checker, t: Table, path: KeyPath): number | undefined {
  const text = optString(c, t, path);
  if (text === undefined) return undefined;
  const rate = parseRate(text);
  if (rate === null) {
    return c.error(
      path,
      `${show(text)} is not a rate`,
      'bytes per period such as "4m/s", "512k/s" or "100/s"',
    );
  }
  return rate;
}

function warnKeys(c: Checker, t: Table, path: KeyPath, known: readonly string[]): void {
  for (const key of Object.keys(t)) {
    if (known.includes(key)) continue;
    if (key in LATER) c.warn([...path, key], `${LATER[key]} is not supported yet; ignored`);
    else c.warn([...path, key], "unknown or unsupported key; ignored");
  }
}

function inherit(
  c: Checker,
  t: Table,
  path: KeyPath,
  parent: Inherited,
  zones: ReadonlyMap<string, HttpLimitReqZone>,
  logs: Logs,
): Inherited {
  const timeouts = Object.fromEntries(
    TIMEOUT_KEYS.map((k) => [k, optDuration(c, t, [...path, k]) ?? parent[k]]),
  ) as unknown as HttpTimeouts;
  const headers = headerList(c, t, [...path, "headers"]);
  return {
    ...timeouts,
    headers: [...parent.headers, ...headers.map((h) => h.text)],
    header_rules: [...parent.header_rules, ...headers.map((h) => h.rule)],
    allow_ip: [...parent.allow_ip, ...optCidrList(c, t, [...path, "allow_ip"])],
    deny_ip: [...parent.deny_ip, ...optCidrList(c, t, [...path, "deny_ip"])],
    limit_req: limitReq(c, t, [...path, "limit_req"], zones) ?? parent.limit_req,
    rate_limit: rateLimit(c, t, [...path, "rate_limit"]) ?? parent.rate_limit,
    max_read_buf: optInt(c, t, [...path, "max_read_buf"], 1024, 2 ** 31) ?? parent.max_read_buf,
    access_log: accessLog(c, t, [...path, "access_log"], logs) ?? parent.access_log,
    error_log: errorLog(c, t, [...path, "error_log"], logs) ?? parent.error_log,
  };
}

/** The valid rules of a `headers` list, each as written and parsed. */
export function headerList(
  c: Checker,
  t: Table,
  path: KeyPath,
): { readonly text: string; readonly rule: HeaderRule }[] {
  const v = t.headers;
  if (v === undefined) return [];
  const expected =
    'a list of rules like ["proxy X-Real-IP {client_ip}", "+ X-By wmproxy", "- Server"]';
  if (!Array.isArray(v)) return c.error(path, `${show(v)} is not a list`, expected) ?? [];
  const out: { readonly text: string; readonly rule: HeaderRule }[] = [];
  v.forEach((h, i) => {
    // wmproxy also accepts ["+", "name", "value"] arrays.
    const text = Array.isArray(h) && h.every((x) => typeof x === "string")
      ? h.map((x) => (/\s/.test(x) ? `'${x}'` : x)).join(" ")
      : h;
    if (typeof text !== "string") {
      return c.error([...path, i], `${show(h)} is not a rule`, expected);
    }
    try {
      out.push({ text, rule: parseHeaderRule(text) });
    } catch (e) {
      if (!(e instanceof HeaderRuleError)) throw e;
      c.error([...path, i], `${show(text)} ${e.problem}`, expected);
    }
  });
  return out;
}

function validateUpstream(c: Checker, t: Table, path: KeyPath): HttpUpstream | undefined {
  warnKeys(c, t, path, HTTP_UPSTREAM_KEYS);
  const keepalive = optInt(c, t, [...path, "keepalive"], 0, 100_000) ?? 256;
  const keepaliveTimeout = optDuration(c, t, [...path, "keepalive_timeout"]) ?? 60;
  const name = optString(c, t, [...path, "name"]);
  if (name === undefined) {
    c.error([...path, "name"], "is missing", "a name for proxy_url to refer to");
  }
  const method = (optString(c, t, [...path, "method"]) ?? "round_robin").trim();
  if (!METHODS.test(method)) {
    c.error(
      [...path, "method"],
      `${show(method)} is not a balancing method`,
      '"round_robin", "least_conn", "ip_hash" or "hash {var}"',
    );
  }
  const servers: UpstreamServer[] = [];
  if (!Array.isArray(t.server) || t.server.length === 0) {
    c.error(
      [...path, "server"],
      t.server === undefined ? "is missing" : `${show(t.server)} is not a list of servers`,
      'a list like [{ addr = "127.0.0.1:8080" }]',
    );
  } else {
    t.server.forEach((s, i) => {
      const sp = [...path, "server", i];
      if (!isTable(s)) return c.error(sp, `${show(s)} is not a table`, '{ addr = "host:port" }');
      const server = validateUpstreamServer(c, s, sp);
      if (server) servers.push(server);
    });
  }
  let health: HttpUpstream["health_check"] = null;
  if (t.health_check !== undefined) {
    const hp = [...path, "health_check"];
    if (!isTable(t.health_check)) {
      c.error(
        hp,
        `${show(t.health_check)} is not a table`,
        '{ path = "/health", interval = "5s", timeout = "2s" }',
      );
    } else {
      const h = t.health_check;
      warnKeys(c, h, hp, HEALTH_CHECK_KEYS);
      const p = optString(c, h, [...hp, "path"]) ?? "";
      if (p !== "" && !p.startsWith("/")) {
        c.error(
          [...hp, "path"],
          `${show(p)} is not a path`,
          'a path like "/health", or "" for a TCP check',
        );
      }
      health = {
        path: p,
        interval: optDuration(c, h, [...hp, "interval"]) ?? 5,
        timeout: optDuration(c, h, [...hp, "timeout"]) ?? 2,
      };
    }
  }
  if (name === undefined) return undefined;
  return {
    name,
    server: servers,
    method,
    keepalive,
    keepalive_timeout: keepaliveTimeout,
    health_check: health,
    send_proxy_protocol: optProxyProtocolVersion(c, t, [...path, "send_proxy_protocol"]),
  };
}

function validateServer(
  c: Checker,
  t: Table,
  path: KeyPath,
  parent: Inherited,
  known: Known,
): HttpServer | undefined {
  warnKeys(c, t, path, [...HTTP_SERVER_KEYS, ...HTTP_COMMON_KEYS]);
  const binds = addressList(c, t, [...path, "bind_addr"]);
  const ssl = addressList(c, t, [...path, "bind_ssl"]);
  if (binds?.length === 0 && ssl?.length === 0) {
    c.error(
      [...path, "bind_addr"],
      t.bind_addr === undefined ? "is missing" : `${show(t.bind_addr)} is not an address list`,
      `${ADDRESS_EXPECTED} (or bind_ssl with cert and key)`,
    );
  }
  const tls = readTlsFiles(c, t, path);
  if (ssl !== undefined && ssl.length > 0 && tls === null && t.cert === undefined) {
    c.error([...path, "bind_ssl"], "needs cert and key", "cert and key file paths (PEM)");
  }
  if (tls !== null && ssl?.length === 0) {
    c.warn([...path, "cert"], "only applies to bind_ssl addresses; bind_addr stays plain HTTP");
  }
  const names = wordList(t.up_name ?? t.server_name) ?? [];
  const root = optString(c, t, [...path, "root"]) ?? null;
  const mine = { ...inherit(c, t, path, parent, known.zones, known.logs), root };
  const locations = tableList(c, t.location, [...path, "location"])
    .map(([l, p]) => validateLocation(c, l, p, mine, known))
    .filter((l): l is HttpLocation => l !== undefined);
  if (binds === undefined || ssl === undefined || binds.length + ssl.length === 0) return undefined;
  if (ssl.length > 0 && tls === null) return undefined;
  const proxyProtocol = optBool(c, t, [...path, "proxy_protocol"]) ?? false;
  return {
    bind_addr: binds,
    bind_ssl: ssl,
    cert: tls && (t.cert as string),
    key: tls && (t.key as string),
    tls,
    up_name: names.map((n) => n.toLowerCase()),
    location: locations,
    max_connections: optMaxConnections(c, t, path),
    proxy_protocol: proxyProtocol,
    http2: optBool(c, t, [...path, "http2"]) ?? true,
    access_log: mine.access_log,
    error_log: mine.error_log,
    ...Object.fromEntries(TIMEOUT_KEYS.map((k) => [k, mine[k]])) as unknown as HttpTimeouts,
  };
}

/** A `bind_addr`/`bind_ssl` value: one address or a list; undefined when any is invalid. */
function addressList(c: Checker, t: Table, path: KeyPath): string[] | undefined {
  const key = path[path.length - 1] as string;
  if (t[key] === undefined) return [];
  const list = wordList(t[key]);
  if (list === undefined) {
    c.error(path, `${show(t[key])} is not an address list`, ADDRESS_EXPECTED);
    return undefined;
  }
  let ok = true;
  for (const b of list) {
    if (!parseAddress(b)) {
      c.error(path, `${show(b)} is not a valid address`, ADDRESS_EXPECTED);
      ok = false;
    }
  }
  return ok ? list : undefined;
}

function validateLocation(
  c: Checker,
  t: Table,
  path: KeyPath,
  parent: Inherited,
  known: Known,
): HttpLocation | undefined {
  const upstreams = known.upstreams;
  warnKeys(c, t, path, [...LOCATION_KEYS, ...HTTP_COMMON_KEYS]);
  const rule = optString(c, t, [...path, "rule"]) ?? "/";
  const compiled = compileRule(rule);
  if (typeof compiled === "string") {
    c.error(
      [...path, "rule"],
      `${show(rule)} ${compiled}`,
      'a path prefix "/api", a glob "/static/*", a regular expression or "@name"',
    );
  }
  const methodText = optString(c, t, [...path, "method"]);
  const method = methodText === undefined
    ? null
    : methodText.toUpperCase().split(/[\s,]+/).filter((m) => m !== "");
  if (method && method.some((m) => !/^[A-Z]+$/.test(m))) {
    c.error([...path, "method"], `${show(methodText)} is not a list of methods`, '"GET POST"');
  }
  const urlKey = ["proxy_url", "reverse_proxy", "proxy_pass"].find((k) =>
    typeof t[k] === "string" && t[k] !== ""
  );
  const proxyUrl = urlKey ? optString(c, t, [...path, urlKey])! : null;
  if (proxyUrl !== null) {
    const m = /^https?:\/\/([^/]+)\/?$/.exec(proxyUrl);
    const known = m && (upstreams.has(m[1]) || parseAddress(m[1], false));
    if (!known) {
      const names = [...upstreams.keys()].map((n) => `"http://${n}"`).join(", ");
      c.error(
        [...path, urlKey!],
        `${show(proxyUrl)} names no [[http.upstream]] and is not http(s)://host:port`,
        names
          ? `one of ${names}, or "http://host:port"`
          : '"http://UPSTREAM_NAME" or "http://host:port"',
      );
    }
  }
  const staticResponse = optString(c, t, [...path, "static_response"]) ?? null;
  const isWs = optBool(c, t, [...path, "is_ws"]) ?? false;
  if (isWs && proxyUrl === null) {
    c.error([...path, "is_ws"], "is true but the location has no proxy_url", "a proxy_url");
  }
  const mine = inherit(c, t, path, parent, known.zones, known.logs);
  const root = optString(c, t, [...path, "root"]) ?? parent.root ?? null;
  const fileServer = t.file_server === undefined
    ? null
    : validateFileServer(c, t.file_server, [...path, "file_server"], { root, rule }) ?? null;
  let tryPaths = validateTryPaths(c, t, [...path, "try_paths"]) ?? null;
  if (tryPaths !== null && t.file_server === undefined) {
    c.warn([...path, "try_paths"], "try_paths needs a file_server in the same location; ignored");
    tryPaths = null;
  }
  if (typeof compiled === "string" || (method && method.some((m) => !/^[A-Z]+$/.test(m)))) {
    return undefined;
  }
  return {
    rule,
    method,
    proxy_url: proxyUrl,
    headers: mine.headers,
    header_rules: mine.header_rules,
    static_response: staticResponse,
    is_ws: isWs,
    allow_ip: mine.allow_ip,
    deny_ip: mine.deny_ip,
    limit_req: mine.limit_req,
    rate_limit: mine.rate_limit,
    max_read_buf: mine.max_read_buf,
    access_log: mine.access_log,
    error_log: mine.error_log,
    file_server: fileServer,
    try_paths: tryPaths,
    ...Object.fromEntries(TIMEOUT_KEYS.map((k) => [k, mine[k]])) as unknown as HttpTimeouts,
  };
}
