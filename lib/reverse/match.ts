/**
 * Routing a request: which server (virtual host) and which location serve it.
 *
 * Server: the Host header's name (or an absolute-form target's host), lower case, port and a
 * trailing dot removed, compared exactly with each server's `names`; the first server listing
 * it wins, and without a match the first server of the listener answers (the default server).
 *
 * Location, nginx-like, on the normalized path (below):
 * 1. `named` rules (`@ws`) are reachable only from inside the proxy and never match a request.
 * 2. Among `prefix` rules, the longest prefix the path starts with is remembered (equal
 *    lengths: the first in config order). Prefixes are plain string prefixes (`/api` matches
 *    `/apis`), as in nginx.
 * 3. `regex` and `glob` rules are tried in config order; the first that matches wins over
 *    the remembered prefix.
 * 4. Otherwise the remembered prefix wins; with none, nothing matches (404).
 *
 * A location whose `methods` do not include the request's method is skipped (a list with GET
 * also accepts HEAD). When some location matched the path but none accepted the method, the
 * answer is 405 with `Allow` listing the methods those locations accept.
 *
 * Normalization, for matching only (the request goes upstream as sent): `%XX` escapes are
 * decoded, runs of `/` become one, and `.` and `..` segments are resolved; a path that climbs
 * above `/` or has a bad escape is refused with 400. Paths without `%`, `//` or `/.` are used
 * as they are.
 */
import type { ReverseLocation, ReverseServer } from "./types.ts";

/** {@link LocationTable.match}: no location matches the path. */
export const NO_LOCATION: number = -1;
/** {@link LocationTable.match}: locations match the path, but none accepts the method. */
export const METHOD_NOT_ALLOWED: number = -2;

/** Picks the server for a Host; built once per set of servers. */
export class ServerTable {
  readonly #byName = new Map<string, number>();
  readonly #single: boolean;

  /**
   * Builds the table.
   * @param servers the servers of one listener, the default first
   */
  constructor(servers: readonly ReverseServer[]) {
    this.#single = servers.length <= 1;
    servers.forEach((server, i) => {
      for (const name of server.names) {
        const key = name.toLowerCase();
        if (!this.#byName.has(key)) this.#byName.set(key, i);
      }
    });
  }

  /**
   * The index of the server for host name `host` (see `hostName`): an exact name, else a
   * `*.example.com` name covering one more label; 0 by default.
   */
  match(host: string): number {
    if (this.#single) return 0;
    const exact = this.#byName.get(host);
    if (exact !== undefined) return exact;
    const dot = host.indexOf(".");
    return (dot > 0 ? this.#byName.get(`*${host.slice(dot)}`) : undefined) ?? 0;
  }
}

/** Finds the location for a path and method; built once per server. */
export class LocationTable {
  readonly #locations: readonly ReverseLocation[];
  /** Indexes of prefix rules, longest prefix first (config order among equals). */
  readonly #prefixes: readonly number[];
  /** Indexes of regex and glob rules, in config order. */
  readonly #patterns: readonly number[];

  /**
   * Builds the table.
   * @param locations one server's locations in config order
   */
  constructor(locations: readonly ReverseLocation[]) {
    this.#locations = locations;
    const prefixes: number[] = [];
    const patterns: number[] = [];
    locations.forEach((loc, i) => {
      const m = loc.matcher;
      if (m.kind === "prefix") prefixes.push(i);
      else if (m.kind === "regex" || m.kind === "glob") patterns.push(i);
    });
    prefixes.sort((a, b) => prefixOf(locations[b]).length - prefixOf(locations[a]).length);
    this.#prefixes = prefixes;
    this.#patterns = patterns;
  }

  /**
   * The index of the location for `path` (normalized) and `method`, or {@link NO_LOCATION},
   * or {@link METHOD_NOT_ALLOWED}.
   */
  match(path: string, method: string): number {
    const locations = this.#locations;
    let pathMatched = false;
    let prefix = NO_LOCATION;
    for (const i of this.#prefixes) {
      if (!path.startsWith(prefixOf(locations[i]))) continue;
      if (methodAllowed(locations[i].methods, method)) {
        prefix = i;
        break;
      }
      pathMatched = true;
    }
    for (const i of this.#patterns) {
      if (!testPattern(locations[i], path)) continue;
      if (methodAllowed(locations[i].methods, method)) return i;
      pathMatched = true;
    }
    if (prefix !== NO_LOCATION) return prefix;
    return pathMatched ? METHOD_NOT_ALLOWED : NO_LOCATION;
  }

  /** The methods accepted by the locations matching `path`, for `Allow` (sorted, unique). */
  allowed(path: string): string[] {
    const out = new Set<string>();
    for (const loc of this.#locations) {
      const m = loc.matcher;
      const hit = m.kind === "prefix"
        ? path.startsWith(m.prefix)
        : m.kind !== "named" && testPattern(loc, path);
      if (!hit || loc.methods === null) continue;
      for (const method of loc.methods) {
        out.add(method);
        if (method === "GET") out.add("HEAD");
      }
    }
    return [...out].sort();
  }
}

function prefixOf(loc: ReverseLocation): string {
  return loc.matcher.kind === "prefix" ? loc.matcher.prefix : "";
}

function testPattern(loc: ReverseLocation, path: string): boolean {
  const m = loc.matcher;
  if (m.kind !== "regex" && m.kind !== "glob") return false;
  // A /g or /y pattern keeps state between calls; start every test from the beginning.
  if (m.pattern.global || m.pattern.sticky) m.pattern.lastIndex = 0;
  return m.pattern.test(path);
}

/** Whether `methods` (null: any) accepts `method`; a list with GET accepts HEAD too. */
export function methodAllowed(methods: readonly string[] | null, method: string): boolean {
  if (methods === null) return true;
  return methods.includes(method) || (method === "HEAD" && methods.includes("GET"));
}

const decoder = new TextDecoder();

/**
 * The path used for matching (see the module doc): `path` itself when it has nothing to
 * normalize, else decoded and resolved; null when it has a bad escape or climbs above `/`.
 */
export function normalizePath(path: string): string | null {
  if (!path.includes("%") && !path.includes("//") && !path.includes("/.")) return path;
  let decoded = path;
  if (path.includes("%")) {
    const bytes = new Uint8Array(path.length);
    let n = 0;
    for (let i = 0; i < path.length; i++) {
      const c = path.charCodeAt(i);
      if (c === 0x25) {
        const hi = hexDigit(path.charCodeAt(i + 1));
        const lo = hexDigit(path.charCodeAt(i + 2));
        if (hi < 0 || lo < 0) return null;
        bytes[n++] = hi * 16 + lo;
        i += 2;
      } else {
        bytes[n++] = c;
      }
    }
    decoded = decoder.decode(bytes.subarray(0, n));
  }
  if (decoded.charCodeAt(0) !== 0x2f) return decoded; // "*" and the like
  const out: string[] = [];
  const segments = decoded.split("/");
  for (let i = 1; i < segments.length; i++) {
    const seg = segments[i];
    const last = i === segments.length - 1;
    if (seg === "" || seg === ".") {
      if (last) out.push("");
      continue;
    }
    if (seg === "..") {
      if (out.length === 0) return null;
      out.pop();
      if (last) out.push("");
      continue;
    }
    out.push(seg);
  }
  return "/" + out.join("/");
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}
