import { X509Certificate } from "node:crypto";
import { isLoopback, parseAddress } from "../net/address.ts";
import { type Checker, show, type Table } from "./_checker.ts";
import { optBool, optDuration, optInt, optString } from "./_fields.ts";
import { formatDuration } from "./duration.ts";
import { parsePortRanges } from "./_port_ranges.ts";
import { readText, readTlsFiles } from "./_tls_files.ts";
import { TUNNEL_CLIENT_KEYS, TUNNEL_COMMON_KEYS, TUNNEL_SERVER_KEYS } from "./_tunnel_keys.ts";
import { PROXY_KEYS, validatePlainProxy } from "./_validate_proxy.ts";
import { validateMappings } from "./_validate_tunnel_mapping.ts";
import type { KeyPath } from "./locate.ts";
import {
  DEFAULTS,
  type PortRange,
  type TunnelClient,
  type TunnelCommon,
  type TunnelServer,
  type TunnelTls,
} from "./schema.ts";

const PATH: KeyPath = ["proxy"];
const ADDRESS_EXPECTED = 'host:port such as "0.0.0.0:8091"';
const MAP_BINDS = ["map_http_bind", "map_https_bind", "map_tcp_bind", "map_proxy_bind"] as const;
const PORTS_EXPECTED = 'ports and ranges such as "6000-7000, 8022" (1-65535)';
const CA_EXPECTED = "a PEM file of certificates (-----BEGIN CERTIFICATE-----)";

/** Validates `[proxy] mode = "server"`; null when a key it cannot do without is wrong. */
export function validateTunnelServer(c: Checker, raw: Table): TunnelServer | null {
  warnKeys(c, raw, "server");
  const common = validateCommon(c, raw);
  const bindKey = raw.bind_addr === undefined && raw.bind !== undefined ? "bind" : "bind_addr";
  const bindAddr = optString(c, raw, [...PATH, bindKey]);
  const bind = bindAddr === undefined ? undefined : parseAddress(bindAddr);
  if (bindAddr === undefined && raw[bindKey] === undefined) {
    c.error(
      [...PATH, "bind_addr"],
      "is missing",
      `where tunnel clients connect, ${ADDRESS_EXPECTED}`,
    );
  } else if (bindAddr !== undefined && !bind) {
    c.error([...PATH, bindKey], `${show(bindAddr)} is not a valid address`, ADDRESS_EXPECTED);
  }
  const tc = optBool(c, raw, [...PATH, "tc"]) ?? false;
  let tls: TunnelTls | null = null;
  if (tc) {
    tls = raw.cert === undefined && raw.key === undefined ? "auto" : readTlsFiles(c, raw, PATH);
  } else ignoredUnless(c, raw, ["cert", "key"], "with tc = true");

  const binds: Record<(typeof MAP_BINDS)[number], string | null> = {
    map_http_bind: null,
    map_https_bind: null,
    map_tcp_bind: null,
    map_proxy_bind: null,
  };
  for (const key of MAP_BINDS) {
    const text = optString(c, raw, [...PATH, key]);
    if (text === undefined) continue;
    if (parseAddress(text)) binds[key] = text;
    else c.error([...PATH, key], `${show(text)} is not a valid address`, ADDRESS_EXPECTED);
  }
  let mapTls: TunnelTls | null = null;
  if (binds.map_https_bind !== null) {
    mapTls = raw.map_cert === undefined && raw.map_key === undefined
      ? "auto"
      : readTlsFiles(c, raw, PATH, { cert: "map_cert", key: "map_key" });
  } else if (raw.map_https_bind === undefined) {
    ignoredUnless(c, raw, ["map_cert", "map_key"], "with map_https_bind");
  }

  if (bind && !isLoopback(bind.hostname)) {
    const at = [...PATH, raw.tc === undefined ? bindKey : "tc"];
    if (!tc && common.username !== null) {
      c.warn(at, "credentials cross the network in clear; set tc = true");
    } else if (!tc) {
      c.warn(
        at,
        "tunnel traffic crosses the network in clear and no username/password is set: " +
          "anyone who reaches bind_addr may publish mappings; set tc = true and credentials",
      );
    } else if (common.username === null) {
      c.warn(
        [...PATH, bindKey],
        "no username/password: anyone who reaches it may publish mappings; set credentials",
      );
    }
  }
  if (bindAddr === undefined || !bind || (tc && tls === null)) return null;
  if (binds.map_https_bind !== null && mapTls === null) return null;
  return {
    mode: "server",
    bind_addr: bindAddr,
    ...common,
    tc,
    cert: tc ? stringOrNull(raw.cert) : null,
    key: tc ? stringOrNull(raw.key) : null,
    tls,
    ...binds,
    map_cert: binds.map_https_bind === null ? null : stringOrNull(raw.map_cert),
    map_key: binds.map_https_bind === null ? null : stringOrNull(raw.map_key),
    map_tls: mapTls,
    allow_ports: allowPorts(c, raw),
    max_sessions: optInt(c, raw, [...PATH, "max_sessions"], 1, 10_000_000) ??
      DEFAULTS.tunnel_max_sessions,
  };
}

/** Validates `[proxy] mode = "client"` (or no mode with `server`, `mappings` or `ts`). */
export function validateTunnelClient(c: Checker, raw: Table): TunnelClient | null {
  warnKeys(c, raw, "client");
  const common = validateCommon(c, raw);
  const servers = serverList(c, raw.server);
  const ts = optBool(c, raw, [...PATH, "ts"]) ?? false;
  let domain: string | null = null;
  let ca: string | null = null;
  let caPem: string | null = null;
  if (ts) {
    const text = optString(c, raw, [...PATH, "domain"]);
    domain = text?.trim().toLowerCase() || null;
    if (domain !== null && !/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(domain)) {
      c.error(
        [...PATH, "domain"],
        `${show(text)} is not a host name`,
        'a name such as "example.com"',
      );
    }
    ca = optString(c, raw, [...PATH, "ca"]) ?? null;
    if (ca !== null) caPem = readCa(c, ca);
  } else ignoredUnless(c, raw, ["domain", "ca"], "with ts = true");

  const plainKeys = PROXY_KEYS.filter((k) =>
    !["bind_addr", "bind", "username", "password"].includes(k)
  );
  const local = raw.bind_addr !== undefined || raw.bind !== undefined;
  const proxy = local ? validatePlainProxy(c, raw, { tunnelClient: true }) : null;
  if (!local) ignoredUnless(c, raw, plainKeys, "with bind_addr (the local proxy)");
  if (proxy?.proxy_protocol) {
    c.warn([...PATH, "proxy_protocol"], "not applied to a tunnel client's local proxy; ignored");
  }

  const remote = servers.map((s) => parseAddress(s)!).find((a) => !isLoopback(a.hostname));
  if (!ts && remote !== undefined) {
    const at = [...PATH, raw.ts === undefined ? "server" : "ts"];
    c.warn(
      at,
      common.username === null
        ? "tunnel traffic crosses the network in clear; set ts = true"
        : "credentials cross the network in clear; set ts = true",
    );
  }
  const mappings = validateMappings(c, raw.mappings, [...PATH, "mappings"]);
  if (servers.length === 0 || (ts && ca !== null && caPem === null)) return null;
  return {
    mode: "client",
    server: servers,
    ...common,
    ts,
    domain,
    ca,
    ca_pem: caPem,
    proxy,
    mappings,
  };
}

function validateCommon(c: Checker, raw: Table): TunnelCommon {
  const username = optString(c, raw, [...PATH, "username"]) ?? null;
  const password = optString(c, raw, [...PATH, "password"]) ?? null;
  if ((username === null) !== (password === null)) {
    const missing = username === null ? "username" : "password";
    c.error([...PATH, missing], "is missing", "username and password set together");
  }
  const twoWay = optBool(c, raw, [...PATH, "two_way_tls"]) ?? false;
  if (twoWay) {
    c.warn(
      [...PATH, "two_way_tls"],
      "accepted but not applied: Deno cannot verify client certificates; " +
        "the client is authenticated by its username/password over TLS instead",
    );
  }
  if (raw.center_addr !== undefined) {
    c.warn(
      [...PATH, "center_addr"],
      "not supported; ignored (a server uses bind_addr, a client server)",
    );
  }
  const maxStreams = optInt(c, raw, [...PATH, "max_streams"], 1, 1_000_000) ??
    DEFAULTS.tunnel_max_streams;
  const intervalSet = positiveDuration(c, raw, "heartbeat_interval");
  const interval = intervalSet ?? DEFAULTS.heartbeat_interval;
  const timeoutSet = positiveDuration(c, raw, "heartbeat_timeout");
  // Unset: three intervals (the defaults, 10s and 30s, keep that ratio).
  const timeout = timeoutSet ??
    (intervalSet === undefined ? DEFAULTS.heartbeat_timeout : interval * 3);
  if (timeoutSet !== undefined && timeout <= interval) {
    c.error(
      [...PATH, "heartbeat_timeout"],
      `${show(raw.heartbeat_timeout)} is not longer than heartbeat_interval (${
        formatDuration(interval)
      })`,
      "a duration longer than heartbeat_interval, such as three intervals",
    );
  }
  return {
    username,
    password,
    two_way_tls: twoWay,
    max_streams: maxStreams,
    heartbeat_interval: interval,
    heartbeat_timeout: timeout,
  };
}

function positiveDuration(c: Checker, raw: Table, key: string): number | undefined {
  const v = optDuration(c, raw, [...PATH, key]);
  if (v === undefined || v > 0) return v;
  return c.error(
    [...PATH, key],
    `${show(raw[key])} is zero`,
    'a duration above zero, such as "10s"',
  );
}

/** `server = "host:port"` or a list of them; the addresses that are valid. */
function serverList(c: Checker, v: unknown): string[] {
  const path = [...PATH, "server"];
  const expected = 'the tunnel server, "host:port" or a list of them';
  if (v === undefined) return c.error(path, "is missing", expected) ?? [];
  const list = typeof v === "string" ? [v] : Array.isArray(v) ? v : undefined;
  if (list === undefined) return c.error(path, `${show(v)} is not an address`, expected) ?? [];
  if (list.length === 0) return c.error(path, "is an empty list", expected) ?? [];
  const out: string[] = [];
  list.forEach((s, i) => {
    const at = typeof v === "string" ? path : [...path, i];
    if (typeof s === "string" && parseAddress(s, false)) out.push(s);
    else c.error(at, `${show(s)} is not a valid address`, 'host:port such as "203.0.113.7:8091"');
  });
  return out.length === list.length ? out : [];
}

function readCa(c: Checker, file: string): string | null {
  const path = [...PATH, "ca"];
  const pem = readText(c, path, file, CA_EXPECTED);
  if (pem === undefined) return null;
  try {
    new X509Certificate(pem);
    return pem;
  } catch {
    return c.error(path, `${show(file)} holds no PEM certificate`, CA_EXPECTED) ?? null;
  }
}

function allowPorts(c: Checker, raw: Table): readonly PortRange[] {
  const v = raw.allow_ports;
  if (v === undefined) return [];
  const parsed = parsePortRanges(v);
  if (!("invalid" in parsed)) return parsed;
  const bad = parsed.invalid.map((x) => JSON.stringify(x)).join(", ");
  const verb = parsed.invalid.length === 1 ? "is" : "are";
  return c.error([...PATH, "allow_ports"], `${bad} ${verb} not a port or range`, PORTS_EXPECTED) ??
    [];
}

/** One warning per key of `keys` that is set (not to false or ""), saying it needs `what`. */
function ignoredUnless(c: Checker, raw: Table, keys: readonly string[], what: string): void {
  for (const key of keys) {
    if (raw[key] !== undefined && raw[key] !== false && raw[key] !== "") {
      c.warn([...PATH, key], `only applies ${what}; ignored`);
    }
  }
}

/** Warns about the keys of `[proxy]` the given tunnel end does not take. */
function warnKeys(c: Checker, raw: Table, end: "server" | "client"): void {
  const own = end === "server"
    ? [...TUNNEL_COMMON_KEYS, ...TUNNEL_SERVER_KEYS, "bind"]
    : [...TUNNEL_COMMON_KEYS, ...TUNNEL_CLIENT_KEYS, ...PROXY_KEYS];
  for (const [key, value] of Object.entries(raw)) {
    if (own.includes(key) || value === false) continue;
    let problem = "unknown or unsupported key; ignored";
    if (end === "client" && TUNNEL_SERVER_KEYS.includes(key)) {
      problem = 'only applies to mode = "server"; ignored';
    } else if (end === "server" && TUNNEL_CLIENT_KEYS.includes(key)) {
      problem = 'only applies to mode = "client"; ignored';
    } else if (end === "server" && PROXY_KEYS.includes(key)) {
      problem = 'only applies to a forward proxy or mode = "client"; ignored';
    }
    c.warn([...PATH, key], problem);
  }
}

function stringOrNull(v: unknown): string | null {
  return typeof v === "string" && v !== "" ? v : null;
}
