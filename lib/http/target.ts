import { HttpError } from "./errors.ts";

/** The forms a request-target can take (RFC 9112 §3.2). */
export type TargetForm = "origin" | "absolute" | "authority" | "asterisk";

/** Where an absolute-form or authority-form target points. */
export interface TargetAddress {
  /** Scheme, lower case (`http`); empty for authority-form. */
  readonly scheme: string;
  /** Host name (lower case) or IP literal, IPv6 without brackets. */
  readonly hostname: string;
  /** Port, explicit or the scheme's default. */
  readonly port: number;
  /** The authority as written in the target (`host:port`, `[v6]:port`), for the Host header. */
  readonly authority: string;
  /** Path and query in origin-form (`/` when the URI has no path); empty for authority-form. */
  readonly path: string;
}

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, ws: 80, wss: 443 };
const SCHEME_RE = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const AUTHORITY_RE = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:/?#@\[\]]+))(?::([0-9]*))?$/;
const CONNECT_RE = /^(?:\[[0-9A-Fa-f:.]+\]|[^:/?#@\[\]]+):[0-9]+$/;
const REG_NAME_RE =
  /^[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$/;
const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/**
 * The form of `target` for a `method` request, or undefined when it fits none: CONNECT takes
 * only authority-form, `*` is only for OPTIONS.
 */
export function targetForm(method: string, target: string): TargetForm | undefined {
  if (method === "CONNECT") return CONNECT_RE.test(target) ? "authority" : undefined;
  const first = target.charCodeAt(0);
  if (first === 0x2f) return "origin"; // "/"
  if (target === "*") return method === "OPTIONS" ? "asterisk" : undefined;
  return SCHEME_RE.test(target) ? "absolute" : undefined;
}

/**
 * Splits an absolute-form target (`http://host:port/path?q`). Throws {@link HttpError} 400 for
 * a malformed URI, user info, a fragment, a bad host or port.
 */
export function parseAbsoluteTarget(target: string): TargetAddress {
  const colon = target.indexOf(":");
  const scheme = target.slice(0, colon).toLowerCase();
  if (colon <= 0 || !SCHEME_RE.test(target) || !target.startsWith("//", colon + 1)) {
    throw new HttpError(400, `invalid absolute URI ${JSON.stringify(target)}`);
  }
  if (target.includes("#")) {
    throw new HttpError(400, `fragment in request target ${JSON.stringify(target)}`);
  }
  const start = colon + 3;
  let end = start;
  while (end < target.length) {
    const c = target.charCodeAt(end);
    if (c === 0x2f || c === 0x3f) break; // "/" or "?"
    end++;
  }
  const rest = target.slice(end);
  const path = rest === "" ? "/" : rest.startsWith("?") ? `/${rest}` : rest;
  const addr = parseHostPort(target.slice(start, end), DEFAULT_PORTS[scheme], target);
  return { scheme, ...addr, path };
}

/**
 * Splits an authority-form target (`host:port`, `[v6]:port`), as CONNECT carries it; the port
 * is required. Throws {@link HttpError} 400 otherwise.
 */
export function parseAuthorityTarget(target: string): TargetAddress {
  return { scheme: "", ...parseHostPort(target, undefined, target), path: "" };
}

/**
 * Whether a Host field value is an authority (RFC 9110 §7.2): a registered name, an IPv4
 * address or a bracketed IPv6 address, with an optional port. Refuses what nginx refuses too:
 * an empty value, `..`, `/`, user info.
 * @param value the field value, trimmed
 * @returns true when it can name a server
 */
export function isValidHost(value: string): boolean {
  const m = AUTHORITY_RE.exec(value);
  if (!m) return false;
  const [, v6, name, portText] = m;
  if (
    portText !== undefined && portText !== "" && (portText.length > 5 || Number(portText) > 65535)
  ) {
    return false;
  }
  if (v6 !== undefined) return validIpv6(v6);
  const v4 = IPV4_RE.exec(name);
  if (v4) return v4.slice(1).every((p) => Number(p) <= 255);
  return REG_NAME_RE.test(name) && !/^[0-9.]+$/.test(name);
}

function parseHostPort(
  text: string,
  defaultPort: number | undefined,
  target: string,
): { hostname: string; port: number; authority: string } {
  const m = AUTHORITY_RE.exec(text);
  if (!m) {
    const what = text.includes("@") ? "user info in" : "invalid host in";
    throw new HttpError(400, `${what} request target ${JSON.stringify(target)}`);
  }
  const [, v6, name, portText] = m;
  let hostname: string;
  if (v6 !== undefined) {
    if (!validIpv6(v6)) {
      throw new HttpError(400, `invalid IPv6 address in ${JSON.stringify(target)}`);
    }
    hostname = v6.toLowerCase();
  } else {
    hostname = name.toLowerCase();
    const v4 = IPV4_RE.exec(hostname);
    const ok = v4 ? v4.slice(1).every((p) => Number(p) <= 255) : REG_NAME_RE.test(hostname) &&
      !/^[0-9.]+$/.test(hostname);
    if (!ok) throw new HttpError(400, `invalid host in request target ${JSON.stringify(target)}`);
  }
  let port: number;
  if (portText === undefined || portText === "") {
    if (defaultPort === undefined) {
      throw new HttpError(400, `no port in request target ${JSON.stringify(target)}`);
    }
    port = defaultPort;
  } else {
    port = portText.length <= 5 ? Number(portText) : NaN;
    if (!(port >= 1 && port <= 65535)) {
      throw new HttpError(400, `invalid port in request target ${JSON.stringify(target)}`);
    }
  }
  return { hostname, port, authority: text };
}

function validIpv6(text: string): boolean {
  try {
    new URL(`http://[${text}]/`);
    return true;
  } catch {
    return false;
  }
}

/**
 * The host name of a Host value or URI authority: lower case, without the port and a
 * trailing dot (`Example.COM.:8080` → `example.com`); IPv6 literals keep their brackets.
 */
export function hostName(authority: string): string {
  let end = authority.length;
  if (authority.charCodeAt(0) === 0x5b) { // "["
    const close = authority.indexOf("]");
    end = close < 0 ? end : close + 1;
  } else {
    const colon = authority.lastIndexOf(":");
    if (colon >= 0) end = colon;
  }
  if (end > 0 && authority.charCodeAt(end - 1) === 0x2e) end--; // trailing "."
  const name = end === authority.length ? authority : authority.slice(0, end);
  return needsLower(name) ? name.toLowerCase() : name;
}

function needsLower(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return true;
  }
  return false;
}
