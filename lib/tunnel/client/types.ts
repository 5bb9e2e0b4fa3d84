/**
 * The shapes a tunnel client and its stream handlers share: a mapping, what a visitor stream
 * opens with, the handler that serves it.
 * @module
 */
import type { MuxStream } from "../mux/stream.ts";
import type { MappingMode } from "../protocol/messages.ts";

/** What a {@link StreamHandler} learns from the server's `open`. */
export interface VisitorOpen {
  /** The mapping the visitor reached. */
  readonly mapping: TunnelClientMapping;
  /** The visitor's address at the server, `ip:port`, when the server sent it. */
  readonly peer: string | null;
  /** Bytes of the visitor that arrived with `open` (to be handled before reading on). */
  readonly first: Uint8Array;
}

/**
 * Serves one visitor stream on the client; closes the stream on failure. The default,
 * {@link serveLocal}, connects the mapping's `localAddr` and relays.
 */
export type StreamHandler = (stream: MuxStream, open: VisitorOpen) => Promise<void>;

/** One service the client exposes through the server. */
export interface TunnelClientMapping {
  /** Unique among the client's mappings; the server names it in each stream's `open`. */
  readonly name: string;
  /** What the server exposes it on: an http(s) host, a tcp address, the egress proxy. */
  readonly mode: MappingMode;
  /** Host names for `http`/`https` (exact or `*.suffix`; none: every host). */
  readonly domains: readonly string[];
  /** For `tcp`: the server address to expose it on; absent: the server's `map_tcp_bind`. */
  readonly remoteBind?: string;
  /**
   * Where the service listens, `host:port`, reached from the client; empty for `proxy`
   * mappings (served by the {@link StreamHandler}).
   */
  readonly localAddr: string;
  /** A PROXY protocol header (`v1`/`v2`) written to the local service first; absent: none. */
  readonly sendProxyProtocol?: "v1" | "v2";
}
