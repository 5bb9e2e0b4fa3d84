import type { CidrSet } from "../net/cidr.ts";
import type { TargetPolicy } from "./target_policy.ts";

/** Settings of the forward proxy (one port: HTTP, HTTPS CONNECT and SOCKS5). */
export interface ForwardProxyOptions {
  /** Plain HTTP proxying (absolute-form requests). @default true */
  readonly http: boolean;
  /** `CONNECT host:port` tunnels. @default true */
  readonly https: boolean;
  /** SOCKS5 (RFC 1928), with UDP ASSOCIATE. @default true */
  readonly socks5: boolean;
  /** When set, clients must authenticate: HTTP Basic, or SOCKS5 username/password (RFC 1929). */
  readonly credentials: { readonly username: string; readonly password: string } | null;
  /** Clients allowed (by source address); null = everyone not denied. */
  readonly allow: CidrSet | null;
  /** Clients refused (by source address). */
  readonly deny: CidrSet | null;
  /**
   * Which resolved targets may be reached (SSRF): never this process; refused targets get 403
   * or SOCKS5 reply 0x02.
   */
  readonly targets: TargetPolicy;
  /** Milliseconds to connect to a target. @default 10000 */
  readonly connectTimeout: number;
  /** Milliseconds a client has to send a complete request head or SOCKS5 handshake. @default 10000 */
  readonly handshakeTimeout: number;
  /** Milliseconds a tunnel or an idle keep-alive client connection may stay silent. @default 600000 */
  readonly idleTimeout: number;
}

/** What a protocol handler gets with each connection. */
export interface ProxyConnContext {
  /** Connection number, for log lines. */
  readonly id: number;
  /** The client's address. */
  readonly peer: Deno.NetAddr;
  /** The local address the client connected to. */
  readonly local: Deno.NetAddr;
  /** The settings in force when the connection was accepted. */
  readonly options: ForwardProxyOptions;
  /** Registers a socket the handler opened (an upstream), so draining can close it. */
  track(conn: { close(): void }): void;
  /** Unregisters a socket registered with `track`. */
  untrack(conn: { close(): void }): void;
}

/**
 * Serves one client connection to its end. `first` holds the bytes already read from `conn`
 * while sniffing the protocol. Throws nothing: protocol errors close the connection with one
 * log line.
 */
export type ProxyHandler = (
  conn: Deno.TcpConn,
  first: Uint8Array,
  ctx: ProxyConnContext,
) => Promise<void>;
