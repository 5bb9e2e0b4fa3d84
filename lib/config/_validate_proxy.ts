import { isLoopback, parseAddress } from "../net/address.ts";
import { type Checker, show, type Table } from "./_checker.ts";
import {
  optBool,
  optCidrList,
  optDuration,
  optMaxConnections,
  optString,
  optTargetRules,
} from "./_fields.ts";
import type { KeyPath } from "./locate.ts";
import { DEFAULTS, type ProxyProtocol, type ProxySection } from "./schema.ts";
import { TUNNEL_KEYS } from "./_tunnel_keys.ts";

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
  "proxy_protocol",
];
const ALL: readonly ProxyProtocol[] = ["http", "https", "socks5"];
const BITS: Readonly<Record<ProxyProtocol, number>> = { http: 1, https: 2, socks5: 4 };
const ADDRESS_EXPECTED = 'host:port such as "127.0.0.1:8090"';

/** How {@link validatePlainProxy} reads a `[proxy]` table. */
export interface PlainProxyOptions {
  /**
   * The table is a tunnel client's: its caller warns about keys and checks the credentials
   * pairing, so this does neither. @default false
   */
  readonly tunnelClient?: boolean;
}

/**
 * Validates `[proxy]` as a forward proxy (HTTP, CONNECT and SOCKS5 on one port): the plain
 * section, or a tunnel client's local proxy. Warns about keys it does not take, unless the
 * table is a tunnel client's.
 */
export function validatePlainProxy(
  c: Checker,
  raw: Table,
  options: PlainProxyOptions = {},
): ProxySection {
  const path: KeyPath = ["proxy"];
  if (!options.tunnelClient) warnPlainKeys(c, raw, path);
  const bindKey = raw.bind_addr === undefined && raw.bind !== undefined ? "bind" : "bind_addr";
  const bindAddr = optString(c, raw, [...path, bindKey]) ?? DEFAULTS.proxy_bind_addr;
  const bind = parseAddress(bindAddr);
  if (!bind) {
    c.error([...path, bindKey], `${show(bindAddr)} is not a valid address`, ADDRESS_EXPECTED);
  }
  const username = optString(c, raw, [...path, "username"]) ?? null;
  const password = optString(c, raw, [...path, "password"]) ?? null;
  if (!options.tunnelClient && (username === null) !== (password === null)) {
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
    proxy_protocol: optBool(c, raw, [...path, "proxy_protocol"]) ?? false,
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

function warnPlainKeys(c: Checker, raw: Table, path: KeyPath): void {
  for (const [key, value] of Object.entries(raw)) {
    if (PROXY_KEYS.includes(key)) continue;
    if (!TUNNEL_KEYS.includes(key)) {
      c.warn([...path, key], "unknown or unsupported key; ignored");
    } else if (value !== false) {
      c.warn([...path, key], 'only applies to a tunnel (mode = "server" or "client"); ignored');
    }
  }
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
