import { isLoopback, parseAddress } from "../net/address.ts";
import { type Checker, isTable, show, type Table } from "./_checker.ts";
import {
  optCidrList,
  optDuration,
  optMaxConnections,
  optString,
  optTargetRules,
} from "./_fields.ts";
import type { KeyPath } from "./locate.ts";
import { DEFAULTS, type ProxyProtocol, type ProxySection } from "./schema.ts";

/** Keys of `[proxy]`. */
export const PROXY_KEYS: readonly string[] = [
  "bind_addr",
  "bind",
  "flag",
  "username",
  "password",
  "allow_ip",
  "deny_ip",
  "target_allow",
  "target_deny",
  "proxy_connect_timeout",
  "handshake_timeout",
  "timeout",
  "max_connections",
];
/** wmproxy's NAT-traversal keys: a [proxy] with any of these is a tunnel end, not supported yet. */
export const PROXY_TUNNEL_KEYS: readonly string[] = [
  "mode",
  "server",
  "center_addr",
  "map_http_bind",
  "map_https_bind",
  "map_tcp_bind",
  "map_proxy_bind",
  "map_cert",
  "map_key",
  "mappings",
  "ts",
  "tc",
  "two_way_tls",
];
const ALL: readonly ProxyProtocol[] = ["http", "https", "socks5"];
const BITS: Readonly<Record<ProxyProtocol, number>> = { http: 1, https: 2, socks5: 4 };
const ADDRESS_EXPECTED = 'host:port such as "127.0.0.1:8090"';

/** Validates `[proxy]`; returns null when absent, or when it configures a tunnel (warned). */
export function validateProxy(c: Checker, raw: unknown): ProxySection | null {
  if (raw === undefined) return null;
  const path: KeyPath = ["proxy"];
  if (!isTable(raw)) {
    c.error(path, `${show(raw)} is not a table`, "a [proxy] section");
    return null;
  }
  const tunnel = PROXY_TUNNEL_KEYS.filter((k) => raw[k] !== undefined && raw[k] !== false);
  if (tunnel.length > 0) {
    c.warn(
      [...path, tunnel[0]],
      `NAT traversal (${tunnel.join(", ")}) is not supported yet; [proxy] section ignored`,
    );
    return null;
  }
  for (const key of Object.keys(raw)) {
    if (!PROXY_KEYS.includes(key) && !PROXY_TUNNEL_KEYS.includes(key)) {
      c.warn([...path, key], "unknown or unsupported key; ignored");
    }
  }
  const bindKey = raw.bind_addr === undefined && raw.bind !== undefined ? "bind" : "bind_addr";
  const bindAddr = optString(c, raw, [...path, bindKey]) ?? DEFAULTS.proxy_bind_addr;
  const bind = parseAddress(bindAddr);
  if (!bind) {
    c.error([...path, bindKey], `${show(bindAddr)} is not a valid address`, ADDRESS_EXPECTED);
  }
  const username = optString(c, raw, [...path, "username"]) ?? null;
  const password = optString(c, raw, [...path, "password"]) ?? null;
  if ((username === null) !== (password === null)) {
    const missing = username === null ? "username" : "password";
    c.error([...path, missing], "is missing", "username and password set together");
  }
  const section: ProxySection = {
    bind_addr: bindAddr,
    flag: flagOf(c, raw, [...path, "flag"]),
    username,
    password,
    allow_ip: optCidrList(c, raw, [...path, "allow_ip"]),
    deny_ip: optCidrList(c, raw, [...path, "deny_ip"]),
    target_allow: optTargetRules(c, raw, [...path, "target_allow"]),
    target_deny: optTargetRules(c, raw, [...path, "target_deny"]),
    proxy_connect_timeout: optDuration(c, raw, [...path, "proxy_connect_timeout"]) ??
      DEFAULTS.proxy_connect_timeout,
    handshake_timeout: optDuration(c, raw, [...path, "handshake_timeout"]) ??
      DEFAULTS.handshake_timeout,
    timeout: optDuration(c, raw, [...path, "timeout"]) ?? DEFAULTS.stream_timeout,
    max_connections: optMaxConnections(c, raw, path),
  };
  if (bind && !isLoopback(bind.hostname) && username === null && section.allow_ip.length === 0) {
    c.warn(
      [...path, bindKey],
      `OPEN PROXY: ${show(bindAddr)} is reachable from other machines and needs no ` +
        "credentials; set username/password or allow_ip",
    );
  }
  return section;
}

function flagOf(c: Checker, t: Table, path: KeyPath): readonly ProxyProtocol[] {
  const v = t.flag;
  if (v === undefined) return ALL;
  const expected = 'words from "http https socks5", or a number 1-7 (1=http 2=https 4=socks5)';
  if (typeof v === "number") {
    if (Number.isInteger(v) && v >= 1 && v <= 7) return ALL.filter((p) => (v & BITS[p]) !== 0);
    return c.error(path, `${show(v)} is not a protocol mask`, expected) ?? ALL;
  }
  if (typeof v !== "string") return c.error(path, `${show(v)} is not a flag`, expected) ?? ALL;
  const words = v.toLowerCase().split(/[\s,|]+/).filter((w) => w !== "");
  const bad = words.filter((w) => !(ALL as readonly string[]).includes(w));
  if (words.length === 0 || bad.length > 0) {
    return c.error(path, `${show(v)} is not a protocol list`, expected) ?? ALL;
  }
  return ALL.filter((p) => words.includes(p));
}
