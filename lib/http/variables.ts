/**
 * The request variables of templates (header rules, `static_response`, hash keys) and
 * access-log formats, and the one lookup that gives their values for a request, whoever
 * serves it (the reverse proxy's phases, the static file server on `Deno.serve`).
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

/** What a request's variables are read from; a server's request context provides it. */
export interface RequestFacts {
  /** `{client_ip}` */
  readonly clientIp: string;
  /** `{host}` */
  readonly host: string;
  /** `{url}` */
  readonly target: string;
  /** `{path}` */
  readonly path: string;
  /** `{query}` */
  readonly query: string;
  /** `{method}` */
  readonly method: string;
  /** `{scheme}` */
  readonly scheme: string;
  /** `{server_addr}` */
  readonly serverAddr: string;
  /** `{server_port}` */
  readonly serverPort: number;
  /** `{upstream_addr}` ("" when there is none) */
  readonly upstreamAddr: string;
  /** `{http_NAME}`: the request header `name` (lower case), "" when absent. */
  header(name: string): string;
}

/** The value of variable `code` (see {@link VariableSource}) for the request `facts` describe. */
export function requestVariable(facts: RequestFacts, code: number, arg: string): string {
  switch (code) {
    case VAR_CLIENT_IP:
      return facts.clientIp;
    case VAR_HOST:
      return facts.host;
    case VAR_URL:
      return facts.target;
    case VAR_PATH:
      return facts.path;
    case VAR_QUERY:
      return facts.query;
    case VAR_METHOD:
      return facts.method;
    case VAR_SCHEME:
      return facts.scheme;
    case VAR_SERVER_ADDR:
      return facts.serverAddr;
    case VAR_SERVER_PORT:
      return String(facts.serverPort);
    case VAR_UPSTREAM_ADDR:
      return facts.upstreamAddr;
    case VAR_HTTP_HEADER:
      return facts.header(arg);
    default:
      return "";
  }
}
