/**
 * Value templates of header rules, `static_response`, `hostHeader` and hash keys:
 * text with `{name}` variables, compiled once so a request only concatenates.
 *
 * | variable          | value                                                             |
 * | ----------------- | ----------------------------------------------------------------- |
 * | `{client_ip}`     | the client's IP address (IPv6 without brackets)                   |
 * | `{host}`          | the requested host name: Host (or an absolute URI's host), lower case, no port |
 * | `{url}`           | the request target as sent (`/a/b?x=1`)                           |
 * | `{path}`          | the target's path as sent, without the query (`/a/b`)             |
 * | `{query}`         | the query without `?` (`x=1`), empty when there is none           |
 * | `{method}`        | the request method (`GET`)                                        |
 * | `{scheme}`        | `http`, or `https` on a TLS listener                              |
 * | `{server_addr}`   | the local IP address the client connected to                      |
 * | `{server_port}`   | the local port the client connected to                            |
 * | `{upstream_addr}` | the upstream server (`host:port`) the request goes to; empty before one is picked |
 * | `{http_NAME}`     | the request header NAME (`_` for `-`: `{http_user_agent}`), empty when absent |
 *
 * A `{word}` that names no variable stays as written.
 */

/** `{client_ip}` */
export const VAR_CLIENT_IP = 0;
/** `{host}` */
export const VAR_HOST = 1;
/** `{url}` */
export const VAR_URL = 2;
/** `{path}` */
export const VAR_PATH = 3;
/** `{query}` */
export const VAR_QUERY = 4;
/** `{method}` */
export const VAR_METHOD = 5;
/** `{scheme}` */
export const VAR_SCHEME = 6;
/** `{server_addr}` */
export const VAR_SERVER_ADDR = 7;
/** `{server_port}` */
export const VAR_SERVER_PORT = 8;
/** `{upstream_addr}` */
export const VAR_UPSTREAM_ADDR = 9;
/** `{http_NAME}`: the argument is the lower-case header name. */
export const VAR_HTTP_HEADER = 10;

/** The variables by name (besides `http_NAME`). */
export const TEMPLATE_VARIABLES: ReadonlyMap<string, number> = new Map([
  ["client_ip", VAR_CLIENT_IP],
  ["host", VAR_HOST],
  ["url", VAR_URL],
  ["path", VAR_PATH],
  ["query", VAR_QUERY],
  ["method", VAR_METHOD],
  ["scheme", VAR_SCHEME],
  ["server_addr", VAR_SERVER_ADDR],
  ["server_port", VAR_SERVER_PORT],
  ["upstream_addr", VAR_UPSTREAM_ADDR],
]);

/** Where a template's variables get their values (a request's context). */
export interface VariableSource {
  /** The value of variable `code` (`arg`: the header name of `{http_NAME}`). */
  variable(code: number, arg: string): string;
}

const VAR_RE = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const HTTP_PREFIX = "http_";

/** A compiled template. */
export class Template {
  /** The template as written. */
  readonly source: string;
  /** The whole value when the template has no variables, else null. */
  readonly constant: string | null;
  /** Whether `{upstream_addr}` occurs (its value changes when another server is tried). */
  readonly usesUpstream: boolean;
  // Literal text at even indexes, variable codes at odd ones; args parallel to codes.
  readonly #parts: readonly (string | number)[];
  readonly #args: readonly string[];

  /** Compiles `source`; use {@link compileTemplate}, which caches. */
  constructor(source: string) {
    this.source = source;
    const parts: (string | number)[] = [];
    const args: string[] = [];
    let last = 0;
    let text = "";
    for (const m of source.matchAll(VAR_RE)) {
      const ref = variableRef(m[1]);
      if (!ref) continue;
      text += source.slice(last, m.index);
      parts.push(text, ref.code);
      args.push(ref.arg);
      text = "";
      last = m.index + m[0].length;
    }
    parts.push(text + source.slice(last));
    this.#parts = parts;
    this.#args = args;
    this.constant = parts.length === 1 ? parts[0] as string : null;
    this.usesUpstream = parts.some((p, i) => i % 2 === 1 && p === VAR_UPSTREAM_ADDR);
  }

  /** The value for one request. */
  expand(src: VariableSource): string {
    if (this.constant !== null) return this.constant;
    const parts = this.#parts;
    let out = parts[0] as string;
    for (let i = 1; i < parts.length; i += 2) {
      out += src.variable(parts[i] as number, this.#args[i >> 1]) + (parts[i + 1] as string);
    }
    return out;
  }
}

const cache = new Map<string, Template>();

/** The compiled template for `source` (compiled once per distinct text). */
export function compileTemplate(source: string): Template {
  let t = cache.get(source);
  if (!t) {
    t = new Template(source);
    if (cache.size > 10_000) cache.clear();
    cache.set(source, t);
  }
  return t;
}

/**
 * The `{word}`s in `source` that name no variable, for config validation (they would stay as
 * written).
 */
export function unknownVariables(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(VAR_RE)) if (!variableRef(m[1])) out.push(m[1]);
  return out;
}

function variableRef(name: string): { code: number; arg: string } | undefined {
  const code = TEMPLATE_VARIABLES.get(name);
  if (code !== undefined) return { code, arg: "" };
  if (name.startsWith(HTTP_PREFIX) && name.length > HTTP_PREFIX.length) {
    return {
      code: VAR_HTTP_HEADER,
      arg: name.slice(HTTP_PREFIX.length).replaceAll("_", "-").toLowerCase(),
    };
  }
  return undefined;
}
