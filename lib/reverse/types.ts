import type { CidrSet } from "../net/cidr.ts";
import type { StaticFiles } from "../static/files.ts";
import type { TryPaths } from "./try_paths.ts";
import type { LimitZone } from "./limit_req.ts";

/** One upstream server of a reverse-proxy upstream. */
export interface ReverseUpstreamServer {
  /** `host:port` as configured; the key for health state. */
  readonly addr: string;
  /** Host to connect to (IPv6 without brackets). */
  readonly hostname: string;
  /** Port to connect to. */
  readonly port: number;
  /** Relative share of requests. @default 100 */
  readonly weight: number;
  /** Seconds a server is skipped after `fall_times` failures. @default 30 */
  readonly fail_timeout: number;
  /** Consecutive failures that mark the server down. @default 2 */
  readonly fall_times: number;
  /** Consecutive successful active checks that mark it up again. @default 2 */
  readonly rise_times: number;
}

/**
 * How an upstream picks a server for a request: smooth weighted round-robin; weighted least
 * requests in flight; consistent hashing of the client address (`ip_hash`) or of a template
 * (`hash`, e.g. `"{path}"`, variables as in header rules). Both hashes use one ring (see
 * lib/balancer/hash.ts): a key keeps its server while that server is up.
 */
export type BalanceMethod =
  | { readonly kind: "round_robin" }
  | { readonly kind: "least_conn" }
  | { readonly kind: "ip_hash" }
  | { readonly kind: "hash"; readonly key: string };

/** A named group of servers requests are balanced over. */
export interface ReverseUpstream {
  /** The name `proxy_url = "http://NAME"` refers to. */
  readonly name: string;
  /** The servers. */
  readonly servers: readonly ReverseUpstreamServer[];
  /** How a server is picked. @default round_robin (weighted) */
  readonly method: BalanceMethod;
  /** Active health check, or null for passive health only. */
  readonly healthCheck: {
    readonly path: string;
    readonly intervalMs: number;
    readonly timeoutMs: number;
  } | null;
  /** TLS to the servers (`proxy_url = "https://..."`), or null for plain HTTP. @default null */
  readonly tls?: UpstreamTls | null;
  /** Idle keep-alive connections kept open per server. @default 256 */
  readonly keepalive?: number;
  /** Milliseconds an idle upstream connection is kept before it is closed. @default 60000 */
  readonly keepaliveTimeoutMs?: number;
  /**
   * Send a PROXY protocol header naming the client first on each connection; such a
   * connection carries one client's request and is never pooled. @default none
   */
  readonly sendProxyProtocol?: "v1" | "v2";
}

/** How an upstream is reached over TLS. */
export interface UpstreamTls {
  /** SNI and the name the certificate must carry. @default the server's hostname */
  readonly serverName?: string;
}

/** A header rule in wmproxy's syntax, parsed. */
export interface HeaderRule {
  /**
   * `proxy`: set on the upstream request; `add`: add to the response (`+ NAME VALUE`);
   * `remove`: remove from the response (`- NAME`); `set`: set on the response (`NAME VALUE`).
   */
  readonly op: "proxy" | "add" | "remove" | "set";
  /** Header name. */
  readonly name: string;
  /** Value template with `{client_ip}`-style variables; empty for `remove`. */
  readonly value: string;
}

/** How a location matches a request path. */
export type LocationMatcher =
  | { readonly kind: "prefix"; readonly prefix: string }
  | { readonly kind: "glob"; readonly pattern: RegExp; readonly source: string }
  | { readonly kind: "regex"; readonly pattern: RegExp; readonly source: string }
  | { readonly kind: "named"; readonly name: string };

/** Timeouts in milliseconds. */
export interface ReverseTimeouts {
  /** Connecting to an upstream server. @default 10000 */
  readonly proxyConnect: number;
  /** Waiting for upstream bytes (response head or body). @default 60000 */
  readonly proxyRead: number;
  /** Writing to the upstream. @default 60000 */
  readonly proxyWrite: number;
  /** Receiving a complete request head (and each body read) from the client. @default 60000 */
  readonly clientRead: number;
  /** Writing to the client. @default 60000 */
  readonly clientWrite: number;
  /** An idle keep-alive client connection. @default 75000 */
  readonly clientKeepAlive: number;
}

/** What a location does with a matched request. */
export type LocationAction =
  | {
    readonly kind: "proxy";
    readonly upstream: ReverseUpstream;
    readonly hostHeader: string | null;
  }
  | { readonly kind: "static"; readonly body: string; readonly status: number }
  | { readonly kind: "files"; readonly files: StaticFiles; readonly tryPaths: TryPaths | null }
  | { readonly kind: "none" };

/** Where a location's request lines go (`access_log`). */
export interface ReverseAccessLog {
  /** The file, relative to the working directory or absolute. */
  readonly file: string;
  /** The format text (see `access_log.ts`). */
  readonly format: string;
  /** The level lines are written at (`{l}`). */
  readonly level: string;
  /** The file's level: nothing is written when `level` is below it. */
  readonly fileLevel: string;
}

/** Where failed exchanges are written (`error_log`). */
export interface ReverseErrorLog {
  /** The file, relative to the working directory or absolute. */
  readonly file: string;
}

/** One `[[http.server.location]]`, ready to use. */
export interface ReverseLocation {
  /** The rule as written, for logs. */
  readonly rule: string;
  /** How paths are matched. */
  readonly matcher: LocationMatcher;
  /** Methods accepted (upper case), or null for any. */
  readonly methods: readonly string[] | null;
  /** What to do with matched requests. */
  readonly action: LocationAction;
  /**
   * `is_ws`: `Upgrade: websocket` requests are passed through to the `proxy` action's upstream;
   * elsewhere they get 400. @default false
   */
  readonly websocket?: boolean;
  /** Header rules of the location (the server's come first). */
  readonly headers: readonly HeaderRule[];
  /** Clients allowed / refused (403). */
  readonly allow: CidrSet | null;
  /** Clients refused (403). */
  readonly deny: CidrSet | null;
  /** Timeouts in force for this location. */
  readonly timeouts: ReverseTimeouts;
  /**
   * Request rate limit: a token from `zone` per request, `burst` beyond the rate; 503 when
   * none is left. @default null (no limit)
   */
  readonly limitReq?: { readonly zone: LimitZone; readonly burst: number } | null;
  /** Response bandwidth in bytes per second for proxied responses. @default null (unlimited) */
  readonly rateLimit?: number | null;
  /** The most bytes read from the client or upstream at once while relaying. @default null (64 KiB) */
  readonly maxReadBuf?: number | null;
  /** Its access log. @default null */
  readonly accessLog?: ReverseAccessLog | null;
  /** Its error log. @default null */
  readonly errorLog?: ReverseErrorLog | null;
}

/** One `[[http.server]]` (virtual host) on a listener. */
export interface ReverseServer {
  /** Host names it answers (`up_name`), lower case; empty = any. */
  readonly names: readonly string[];
  /** Locations in config order; matching order is documented in lib/reverse/match.ts. */
  readonly locations: readonly ReverseLocation[];
  /** Header rules applied in every location. */
  readonly headers: readonly HeaderRule[];
  /** Clients allowed / refused for the whole server. */
  readonly allow: CidrSet | null;
  /** Clients refused for the whole server. */
  readonly deny: CidrSet | null;
  /** Timeouts for the server (locations may override). */
  readonly timeouts: ReverseTimeouts;
  /** The access log of requests no location takes. @default null */
  readonly accessLog?: ReverseAccessLog | null;
  /** The server's error log. @default null */
  readonly errorLog?: ReverseErrorLog | null;
}

/** Everything one reverse-proxy listener (one bind address) needs. */
export interface ReverseOptions {
  /** Servers sharing this address; the first is the default when no name matches Host. */
  readonly servers: readonly ReverseServer[];
  /** Whether clients reach this listener over TLS (for `{scheme}` and X-Forwarded-Proto). */
  readonly tls: boolean;
  /**
   * TLS clients may choose HTTP/2 by ALPN (the listener must offer `h2`): a connection whose
   * handshake chose it is served as HTTP/2. @default false
   */
  readonly http2?: boolean;
}
