/**
 * The typed, validated configuration. Field names follow wmproxy's TOML keys so that what
 * `/now` shows is what users write; durations are in seconds.
 */

import type { LogLevel } from "../log/level.ts";
import type { HeaderRule } from "../reverse/types.ts";

/** The shape of {@link DEFAULTS}: the value each optional config key falls back to. */
export interface Defaults {
  /** Control endpoint address. @default "127.0.0.1:8837" */
  readonly control: string;
  /** Seconds `/stop` waits for open connections. @default 30 */
  readonly shutdown_timeout: number;
  /** Lowest level logged. @default "info" */
  readonly default_level: LogLevel;
  /** Relative share of new connections an upstream server gets. @default 100 */
  readonly weight: number;
  /** Seconds a failed upstream server is skipped. @default 30 */
  readonly fail_timeout: number;
  /** Consecutive failures that mark an upstream server down. @default 2 */
  readonly fall_times: number;
  /** Consecutive successful checks that mark an upstream server up again. @default 2 */
  readonly rise_times: number;
  /** Listener kind of a `[[stream.server]]`. @default "tcp" */
  readonly bind_mode: BindMode;
  /** Seconds to wait for an upstream connect. @default 10 */
  readonly proxy_connect_timeout: number;
  /** Seconds a stream connection may stay idle. @default 600 */
  readonly stream_timeout: number;
  /** Seconds a UDP session may stay silent. @default 60 */
  readonly udp_timeout: number;
  /** UDP sessions one listener keeps at most. @default 10000 */
  readonly max_sessions: number;
  /**
   * TCP connections one listener holds open at most; at the limit it stops accepting and new
   * clients wait in the kernel backlog. @default 10000
   */
  readonly max_connections: number;
  /** Forward proxy address. @default "127.0.0.1:8090" */
  readonly proxy_bind_addr: string;
  /** Seconds a proxy client has to send its request head or SOCKS5 handshake. @default 10 */
  readonly handshake_timeout: number;
  /** Tunnel clients (sessions) a tunnel server holds at once. @default 1000 */
  readonly tunnel_max_sessions: number;
  /** Streams (proxied connections) open at once in one tunnel session. @default 1024 */
  readonly tunnel_max_streams: number;
  /** Seconds between tunnel heartbeats when a session is otherwise silent. @default 10 */
  readonly heartbeat_interval: number;
  /** Seconds without any frame from the peer after which a tunnel session is closed. @default 30 */
  readonly heartbeat_timeout: number;
  /** Isolates (threads) that accept TCP connections; 1 = the main thread alone. @default 1 */
  readonly workers: number;
}

/** Defaults shared by the loader, the CLI, docs/config/ and config.example.toml. */
export const DEFAULTS: Defaults = Object.freeze({
  control: "127.0.0.1:8837",
  shutdown_timeout: 30,
  default_level: "info" as LogLevel,
  weight: 100,
  fail_timeout: 30,
  fall_times: 2,
  rise_times: 2,
  bind_mode: "tcp",
  proxy_connect_timeout: 10,
  stream_timeout: 600,
  udp_timeout: 60,
  max_sessions: 10000,
  max_connections: 10000,
  proxy_bind_addr: "127.0.0.1:8090",
  handshake_timeout: 10,
  tunnel_max_sessions: 1000,
  tunnel_max_streams: 1024,
  heartbeat_interval: 10,
  heartbeat_timeout: 30,
  workers: 1,
});

/** One server of an upstream. */
export interface UpstreamServer {
  /** `host:port` as written (host may be a name, resolved at connect time). */
  readonly addr: string;
  /** Host part of `addr`, without IPv6 brackets. */
  readonly hostname: string;
  /** Port part of `addr`. */
  readonly port: number;
  /** Relative share of new connections. @default 100 */
  readonly weight: number;
  /** Seconds a server is skipped after `fall_times` failures. @default 30 */
  readonly fail_timeout: number;
  /** Consecutive failures that mark the server down. @default 2 */
  readonly fall_times: number;
  /** Consecutive successful checks that mark it up again. @default 2 */
  readonly rise_times: number;
}

/** A named group of servers (`[[stream.upstream]]`). */
export interface Upstream {
  /** Name that `up_name` refers to. */
  readonly name: string;
  /** `"tcp"` or `"udp"`. @default "tcp" */
  readonly bind: "tcp" | "udp";
  /** The servers in the group, in config order. */
  readonly server: readonly UpstreamServer[];
}

/**
 * Listener kinds `[[stream.server]]` may have: TCP and UDP forwarding, TCP to WebSocket
 * (`tcp2ws`, `tcp2wss`) and WebSocket to TCP (`ws2tcp`) bridges.
 */
export type BindMode = "tcp" | "udp" | "tcp2ws" | "tcp2wss" | "ws2tcp";

/** A `[[stream.server]]`: one L4 listener. */
export interface StreamServer {
  /** The address listened on, `host:port`. */
  readonly bind_addr: string;
  /** Listener kind. @default "tcp" */
  readonly bind_mode: BindMode;
  /** Name of the upstream the connections go to (when `proxy_url` is not set). */
  readonly up_name: string | null;
  /**
   * A single target, `tcp://host:port` (`udp://host:port` for udp, a `ws://` or `wss://` URL
   * for tcp2ws and tcp2wss); wins over `up_name`.
   */
  readonly proxy_url: string | null;
  /**
   * tcp2ws/tcp2wss: the name sent as Host (and for wss, SNI and the certificate check) when
   * the target is addressed by IP. @default null
   */
  readonly domain: string | null;
  /** The servers connections are balanced over, resolved from `proxy_url` or `up_name`. */
  readonly upstream: Upstream;
  /** Seconds to wait for an upstream connect. @default 10 */
  readonly proxy_connect_timeout: number;
  /**
   * Seconds a connection (tcp) or session (udp) may stay idle in both directions before it is
   * closed. @default 600 for tcp, 60 for udp
   */
  readonly timeout: number;
  /** udp: sessions kept at most; the one idle longest is evicted. @default 10000 */
  readonly max_sessions: number;
  /**
   * tcp, tcp2ws, tcp2wss: connections held open at most (ws2tcp: answered 503 beyond it);
   * unset = the top-level `max_connections`. @default null
   */
  readonly max_connections?: number | null;
  /**
   * tcp: each connection starts with a PROXY protocol header (v1 or v2) naming the client;
   * a connection without one is closed. @default false
   */
  readonly proxy_protocol?: boolean;
  /** tcp: send a PROXY protocol header naming the client first on each upstream connection. @default null */
  readonly send_proxy_protocol?: ProxyProtocolVersion | null;
}

/** The `[stream]` section. */
export interface StreamConfig {
  /** The `[[stream.upstream]]` groups. */
  readonly upstream: readonly Upstream[];
  /** The `[[stream.server]]` listeners. */
  readonly server: readonly StreamServer[];
}

/** Protocols the forward proxy speaks (wmproxy's `flag`). */
export type ProxyProtocol = "http" | "https" | "socks5";

/** The `[proxy]` section: a forward proxy speaking HTTP, CONNECT and SOCKS5 on one port. */
export interface ProxySection {
  /** The address listened on. @default "127.0.0.1:8090" */
  readonly bind_addr: string;
  /** Protocols served, from `flag`. @default ["http", "https", "socks5"] */
  readonly flag: readonly ProxyProtocol[];
  /** Username clients must give (with `password`), or null for an open proxy. */
  readonly username: string | null;
  /** Password clients must give. */
  readonly password: string | null;
  /** CIDR blocks of clients allowed; empty = everyone not denied. */
  readonly allow_ip: readonly string[];
  /** CIDR blocks of clients refused. */
  readonly deny_ip: readonly string[];
  /**
   * Targets (resolved address and port: `CIDR`, `CIDR:PORT`, `CIDR:LOW-HIGH`, `[v6/n]:PORT`,
   * `*:PORT`) the proxy may reach even where the defaults refuse them (this process, and off
   * loopback, loopback, link-local and unspecified addresses). @default []
   */
  readonly target_allow: readonly string[];
  /** Targets the proxy never reaches, in the same form; checked first. @default [] */
  readonly target_deny: readonly string[];
  /** Seconds to connect to a target. @default 10 */
  readonly proxy_connect_timeout: number;
  /** Seconds a client has to send a complete request head or SOCKS5 handshake. @default 10 */
  readonly handshake_timeout: number;
  /** Seconds a tunnel or idle keep-alive connection may stay silent. @default 600 */
  readonly timeout: number;
  /** Client connections held open at most; unset = the top-level one. @default null */
  readonly max_connections?: number | null;
  /**
   * Each connection starts with a PROXY protocol header (v1 or v2) naming the client; a
   * connection without one is closed. @default false
   */
  readonly proxy_protocol?: boolean;
}

/** What a tunnel mapping publishes: an HTTP or HTTPS virtual host, a TCP port, or a proxy. */
export type TunnelMappingMode = "http" | "https" | "tcp" | "proxy";

/** A PROXY protocol version sent ahead of a mapped connection's bytes. */
export type ProxyProtocolVersion = "v1" | "v2";

/** An inclusive range of ports, from `allow_ports = "6000-7000, 8022"`. */
export interface PortRange {
  /** First port of the range. */
  readonly low: number;
  /** Last port of the range (equal to `low` for a single port). */
  readonly high: number;
}

/**
 * TLS of a tunnel listener: a certificate and key read from files, or `"auto"` for a
 * self-signed pair the runtime keeps beside the config file.
 */
export type TunnelTls = HttpTlsMaterial | "auto";

/** A `[[proxy.mappings]]` of a tunnel client: one service published through the server. */
export interface TunnelMapping {
  /** Unique name of the mapping. */
  readonly name: string;
  /** What is published. */
  readonly mode: TunnelMappingMode;
  /** The local service connections go to, `host:port`; null for `proxy` mappings. */
  readonly local_addr: string | null;
  /** http/https: the host name the server routes to this mapping, lower case; else null. */
  readonly domain: string | null;
  /** http/https: header rules in wmproxy syntax, as written. @default [] */
  readonly headers: readonly string[];
  /** `headers` parsed, in the same order. @default [] */
  readonly header_rules: readonly HeaderRule[];
  /**
   * tcp: the server address the mapping asks the server to listen on (its port must be in the
   * server's `allow_ports`); null = the server's `map_tcp_bind`. @default null
   */
  readonly remote_bind: string | null;
  /** PROXY protocol header written to the local service first; null = none. @default null */
  readonly send_proxy_protocol: ProxyProtocolVersion | null;
}

/** Keys both tunnel ends take. */
export interface TunnelCommon {
  /** Tunnel credentials: a server requires them, a client sends them. @default null */
  readonly username: string | null;
  /** Set together with `username`. @default null */
  readonly password: string | null;
  /** Accepted for wmproxy's files; Deno cannot verify client certificates. @default false */
  readonly two_way_tls: boolean;
  /** Streams open at once in one session. @default 1024 */
  readonly max_streams: number;
  /** Seconds between heartbeats on a silent session. @default 10 */
  readonly heartbeat_interval: number;
  /** Seconds of silence from the peer that close a session. @default 30 */
  readonly heartbeat_timeout: number;
}

/** `[proxy] mode = "server"`: the public end of the tunnel (wmproxy's 内网穿透 server). */
export interface TunnelServer extends TunnelCommon {
  /** Which end. */
  readonly mode: "server";
  /** Where tunnel clients connect. */
  readonly bind_addr: string;
  /** Clients connect over TLS. @default false */
  readonly tc: boolean;
  /** Certificate file for `tc`, or null for the self-signed pair. @default null */
  readonly cert: string | null;
  /** Key file for `tc`. @default null */
  readonly key: string | null;
  /** TLS of `bind_addr`: null when `tc` is off. @default null */
  readonly tls: TunnelTls | null;
  /** Public HTTP address of the clients' http mappings. @default null */
  readonly map_http_bind: string | null;
  /** Public HTTPS address of the clients' https mappings. @default null */
  readonly map_https_bind: string | null;
  /** Certificate file for `map_https_bind`, or null for the self-signed pair. @default null */
  readonly map_cert: string | null;
  /** Key file for `map_https_bind`. @default null */
  readonly map_key: string | null;
  /** TLS of `map_https_bind`: null when it is not set. @default null */
  readonly map_tls: TunnelTls | null;
  /** Public TCP address of the client's tcp mapping without `remote_bind`. @default null */
  readonly map_tcp_bind: string | null;
  /** Public proxy address whose connections egress at a client's proxy mapping. @default null */
  readonly map_proxy_bind: string | null;
  /** Ports a client's `remote_bind` may ask for; empty = none. @default [] */
  readonly allow_ports: readonly PortRange[];
  /** Client sessions held at once. @default 1000 */
  readonly max_sessions: number;
}

/** `[proxy] mode = "client"`: the private end, which publishes local services. */
export interface TunnelClient extends TunnelCommon {
  /** Which end. */
  readonly mode: "client";
  /** Tunnel server addresses, `host:port`, tried in order. */
  readonly server: readonly string[];
  /** Connect to the server over TLS. @default false */
  readonly ts: boolean;
  /** Name the server's certificate is checked against; null = the server address's host. @default null */
  readonly domain: string | null;
  /** PEM file of certificates trusted for the server, or null for the system roots. @default null */
  readonly ca: string | null;
  /** The text of `ca`, read when the config was validated. @default null */
  readonly ca_pem: string | null;
  /**
   * A local forward proxy whose connections egress at the server (`bind_addr`, `flag` and the
   * plain proxy's keys; `username`/`password` are required of its clients too); null without
   * `bind_addr`. @default null
   */
  readonly proxy: ProxySection | null;
  /** Services published through the server. @default [] */
  readonly mappings: readonly TunnelMapping[];
}

/** A NAT-traversal tunnel end: `[proxy]` with `mode = "server"` or `"client"`. */
export type TunnelSection = TunnelServer | TunnelClient;

/** Timeouts of the reverse proxy, in seconds; inherited `[http]` → server → location. */
export interface HttpTimeouts {
  /** Connecting to an upstream server. @default 10 */
  readonly proxy_connect_timeout: number;
  /** Waiting for upstream bytes. @default 60 */
  readonly proxy_read_timeout: number;
  /** Writing to the upstream. @default 60 */
  readonly proxy_write_timeout: number;
  /** Receiving a request head (and each body read) from a client. @default 60 */
  readonly client_read_timeout: number;
  /** Writing to a client. @default 60 */
  readonly client_write_timeout: number;
  /** An idle keep-alive client connection. @default 75 */
  readonly client_ka_timeout: number;
}

/** A `[[http.upstream]]`. */
export interface HttpUpstream {
  /** What `proxy_url = "http://NAME"` refers to. */
  readonly name: string;
  /** The servers. */
  readonly server: readonly UpstreamServer[];
  /** `round_robin` (weighted), `least_conn`, `ip_hash` or `hash {var}`. @default "round_robin" */
  readonly method: string;
  /** Idle keep-alive connections kept open per server. @default 256 */
  readonly keepalive: number;
  /** Seconds an idle upstream connection is kept. @default 60 */
  readonly keepalive_timeout: number;
  /** Active health check: GET `path` (empty: TCP connect) every `interval` seconds. */
  readonly health_check: {
    readonly path: string;
    readonly interval: number;
    readonly timeout: number;
  } | null;
  /**
   * Send a PROXY protocol header naming the client first on each connection to the servers;
   * such connections carry one client's requests only and are not pooled. @default null
   */
  readonly send_proxy_protocol?: ProxyProtocolVersion | null;
}

/** A `[http.limit_req_zone]` entry: `NAME = "{client_ip} limit=10m rate=1000r/s"`. */
export interface HttpLimitReqZone {
  /** The zone's name (its key in the table). */
  readonly name: string;
  /** Key template: requests with the same expansion share a bucket. */
  readonly key: string;
  /** Memory bound in bytes (about 64 bytes a key). @default 10485760 (`10m`) */
  readonly limit: number;
  /** Requests per second a key may make on average. */
  readonly rate: number;
}

/** A `limit_req = "zone=NAME brust=N"` in force, with its zone resolved. */
export interface HttpLimitReq {
  /** The zone named. */
  readonly zone: HttpLimitReqZone;
  /** Requests allowed beyond the rate at once (wmproxy's `brust`, or `burst`). @default 0 */
  readonly burst: number;
}

/** A `[[http.server.location]]`. */
export interface HttpLocation extends HttpTimeouts {
  /** Path rule: prefix, `*` glob, regular expression or `@name`. */
  readonly rule: string;
  /** Methods accepted, upper case; null for any. */
  readonly method: readonly string[] | null;
  /** `http://UPSTREAM_NAME` or a URL `http://host:port` (also read from `reverse_proxy`, `proxy_pass`). */
  readonly proxy_url: string | null;
  /** Header rules in wmproxy syntax, as written: the server's, then the location's. */
  readonly headers: readonly string[];
  /** `headers` parsed, in the same order: what the listeners apply. */
  readonly header_rules: readonly HeaderRule[];
  /** Answer directly with this text (variables expanded). */
  readonly static_response: string | null;
  /** WebSocket upgrades are passed through to `proxy_url` (others get 400). @default false */
  readonly is_ws: boolean;
  /** Client blocks allowed (server's and location's). */
  readonly allow_ip: readonly string[];
  /** Client blocks refused (server's and location's). */
  readonly deny_ip: readonly string[];
  /** Request rate limit (inherited from server and `[http]`). @default null */
  readonly limit_req: HttpLimitReq | null;
  /** Response bandwidth in bytes per second, from `"4m/s"` (inherited). @default null */
  readonly rate_limit: number | null;
  /** The most bytes read from a connection at once while relaying (inherited). @default null */
  readonly max_read_buf: number | null;
  /** Where each request's line goes (inherited). @default null */
  readonly access_log: HttpAccessLog | null;
  /** Where failed exchanges are written (inherited). @default null */
  readonly error_log: HttpErrorLog | null;
  /** Serve files (`file_server = { browse = true }`); wins over the other actions. @default null */
  readonly file_server?: HttpFileServer | null;
  /** `try_paths` in wmproxy syntax (needs `file_server`). @default null */
  readonly try_paths?: string | null;
}

/** A location's `file_server` table (wmproxy's keys, plus the open-file cache's). */
export interface HttpFileServer {
  /** Directory served: its own `root`, else the location's, else the server's. @default "" (working directory) */
  readonly root: string;
  /** Prefix stripped from paths: its own, else the location rule's path. @default rule */
  readonly prefix: string;
  /** Index files tried in a directory. @default ["index.html", "index.htm"] */
  readonly index: readonly string[];
  /** List directories without an index file. @default false */
  readonly browse: boolean;
  /** Content types by extension, over npm:mime's. @default {} */
  readonly ext_mimetype: Readonly<Record<string, string>>;
  /** Content type of unknown extensions. @default "application/octet-stream" */
  readonly default_mimetype: string;
  /** `Cache-Control: max-age` seconds. @default null (none) */
  readonly cache_time: number | null;
  /** `Access-Control-Allow-Origin: *`. @default false */
  readonly cors: boolean;
  /** File answered (404) when nothing is found. @default null */
  readonly path404: string | null;
  /** Body of `/robots.txt`. @default null */
  readonly robots: string | null;
  /** Paths containing one of these are hidden. @default [] */
  readonly hide: readonly string[];
  /** Status when nothing is found. @default 404 */
  readonly status: number;
  /** Precompressed siblings looked for (`br` → `.br`, `gzip` → `.gz`). @default ["br", "gzip"] */
  readonly precompressed: readonly string[];
  /** Open-file cache entries (0: off). @default 1024 */
  readonly open_file_cache: number;
  /** Seconds a cached entry is trusted before `stat` checks it again. @default 1 */
  readonly open_file_cache_valid: number;
  /** Files up to this many bytes are kept in memory. @default 1048576 */
  readonly open_file_cache_max_file: number;
  /** Bytes of file content kept in memory at most. @default 33554432 */
  readonly open_file_cache_size: number;
}

/** An `access_log = "NAME FORMAT [level]"`, resolved through `[http.log_names]` and `[http.log_format]`. */
export interface HttpAccessLog {
  /** The log name. */
  readonly name: string;
  /** The file (relative to the working directory, or absolute). */
  readonly file: string;
  /** The format's name. */
  readonly format_name: string;
  /** The format text. */
  readonly format: string;
  /** The level lines are written at (`{l}`). @default "trace" */
  readonly level: string;
  /** The file's level: lines below it are not written. @default "trace" */
  readonly file_level: string;
}

/** An `error_log = "NAME [level]"`, resolved through `[http.log_names]`. */
export interface HttpErrorLog {
  /** The log name. */
  readonly name: string;
  /** The file (relative to the working directory, or absolute). */
  readonly file: string;
  /** The lowest level written. @default "trace" */
  readonly level: string;
}

/** A server's certificate and key, read and checked to match when the config was validated. */
export interface HttpTlsMaterial {
  /** The certificate chain, PEM. */
  readonly cert_pem: string;
  /** The private key, PEM. */
  readonly key_pem: string;
}

/** A `[[http.server]]`: a virtual host on one or more addresses (its own timeouts apply to clients before a location is known). */
export interface HttpServer extends HttpTimeouts {
  /** Plain HTTP addresses listened on. @default [] */
  readonly bind_addr: readonly string[];
  /** TLS (HTTPS) addresses listened on; need `cert` and `key`. @default [] */
  readonly bind_ssl: readonly string[];
  /** Certificate chain file (PEM) for `bind_ssl`. @default null */
  readonly cert: string | null;
  /** Private key file (PEM) for `bind_ssl`. @default null */
  readonly key: string | null;
  /** The PEM texts of `cert` and `key` as read when the config was validated. @default null */
  readonly tls: HttpTlsMaterial | null;
  /** Host names answered (wmproxy's `up_name`), lower case; empty = any. */
  readonly up_name: readonly string[];
  /** Locations in config order. */
  readonly location: readonly HttpLocation[];
  /**
   * Connections each of its addresses holds open at most (the smallest of the servers sharing
   * an address applies); unset = the top-level one. @default null
   */
  readonly max_connections?: number | null;
  /**
   * Connections to its addresses (plain and TLS) start with a PROXY protocol header (v1 or
   * v2, before the TLS handshake) naming the client; servers sharing an address must agree.
   * @default false
   */
  readonly proxy_protocol?: boolean;
  /**
   * Offer HTTP/2 (ALPN `h2`) on its `bind_ssl` addresses. ALPN is chosen before the request
   * names a server, so an address offers `h2` only while every server on it leaves this on;
   * plain `bind_addr` addresses always speak HTTP/1.1. @default true
   */
  readonly http2?: boolean;
  /** The server's access log, for requests no location takes (inherited). @default null */
  readonly access_log: HttpAccessLog | null;
  /** The server's error log (inherited). @default null */
  readonly error_log: HttpErrorLog | null;
}

/** The `[http]` section: the reverse proxy. */
export interface HttpSection {
  /** `[http.limit_req_zone]`: request rate zones by name. */
  readonly limit_req_zone: Readonly<Record<string, HttpLimitReqZone>>;
  /** `[http.log_format]`: access-log formats by name. */
  readonly log_format: Readonly<Record<string, string>>;
  /** `[http.log_names]`: log files by name, `"path [level]"`. */
  readonly log_names: Readonly<Record<string, string>>;
  /** `[[http.upstream]]` groups. */
  readonly upstream: readonly HttpUpstream[];
  /** `[[http.server]]` virtual hosts. */
  readonly server: readonly HttpServer[];
}

/** A whole validated config file. */
export interface Config {
  /** Control endpoint address, or null when disabled. @default "127.0.0.1:8837" */
  readonly control: string | null;
  /** Bearer token the control endpoint requires; mandatory off loopback. */
  readonly control_token: string | null;
  /**
   * Also serve `/metrics` (only) here, for a scraper without control access; the same
   * `control_token` rule as `control`. @default null (only on the control endpoint)
   */
  readonly metrics_addr: string | null;
  /** Seconds `/stop` waits for open connections before closing them. @default 30 */
  readonly shutdown_timeout: number;
  /** Lowest level logged. @default "info" */
  readonly default_level: LogLevel;
  /** Also log to this file. */
  readonly log_file: string | null;
  /** Write the process id here while running. */
  readonly pidfile: string | null;
  /**
   * A reload to a config with no listeners at all is applied rather than refused (an empty or
   * truncated file is the usual cause of none). @default false
   */
  readonly allow_no_listeners: boolean;
  /**
   * Bind new addresses with `reusePort` even when another process holds them already, sharing
   * their connections (a new binary taking over). Otherwise such a bind fails as EADDRINUSE.
   * @default false
   */
  readonly share_ports: boolean;
  /**
   * Connections each TCP listener holds open at most, unless its section sets its own; null =
   * {@link DEFAULTS}.max_connections. @default null
   */
  readonly max_connections?: number | null;
  /**
   * Isolates (worker threads) that accept TCP connections, each with its own `reusePort`
   * sockets; `"auto"` = one per core; 1 = everything on the main thread. @default 1
   */
  readonly workers?: number | "auto";
  /**
   * With `workers > 1`: a worker that has served this many connections and requests (see
   * docs/config/top-level.md "Recycling workers") is replaced by a fresh one; 0 = never.
   * @default 0
   */
  readonly worker_max_requests?: number;
  /**
   * With `workers > 1`: a worker whose isolate holds more than this many bytes of JavaScript
   * heap and external memory (`heapTotal + external`) is replaced by a fresh one; 0 = never.
   * @default 0
   */
  readonly worker_max_rss?: number;
  /** The `[proxy]` section as a plain forward proxy, or null when absent or a tunnel end. */
  readonly proxy: ProxySection | null;
  /**
   * The `[proxy]` section as a tunnel end (`mode = "server"` or `"client"`): validated, not
   * running in this version. @default null
   */
  readonly tunnel?: TunnelSection | null;
  /** The `[http]` section, or null when absent. */
  readonly http: HttpSection | null;
  /** The `[stream]` section. */
  readonly stream: StreamConfig;
}
