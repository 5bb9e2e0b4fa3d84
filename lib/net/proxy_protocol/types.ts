/** One type-length-value field after a v2 header's addresses, kept raw. */
export interface ProxyTlv {
  /** The type byte, e.g. `0x01` (ALPN), `0x02` (authority), `0x20` (SSL). */
  readonly type: number;
  /** The value bytes (a copy). */
  readonly value: Uint8Array;
}

/** The addresses of the connection the sender relays: the visitor and where it connected. */
export interface ProxyHeaderProxied {
  /** The sender relays a connection and gives its addresses. */
  readonly kind: "proxy";
  /** 1 (text) or 2 (binary). */
  readonly version: 1 | 2;
  /** The relayed connection's transport (v1 is TCP only). */
  readonly transport: "tcp" | "udp";
  /** The visitor (client) address. */
  readonly source: Deno.NetAddr;
  /** The address the visitor connected to. */
  readonly destination: Deno.NetAddr;
  /** v2 TLVs after the addresses, in order; empty for v1. */
  readonly tlvs: readonly ProxyTlv[];
}

/**
 * v2 LOCAL: the sender speaks for itself (e.g. a health check); use the connection's own
 * addresses.
 */
export interface ProxyHeaderLocal {
  /** The connection is the sender's own. */
  readonly kind: "local";
  /** Always 2 (v1 has no LOCAL command). */
  readonly version: 2;
  /** v2 TLVs, in order. */
  readonly tlvs: readonly ProxyTlv[];
}

/**
 * The sender relays a connection but cannot say its addresses: v1 `UNKNOWN`, v2 PROXY with
 * family UNSPEC or UNIX. Use the connection's own addresses.
 */
export interface ProxyHeaderUnknown {
  /** Relayed, addresses unknown (or not IP). */
  readonly kind: "unknown";
  /** 1 (text) or 2 (binary). */
  readonly version: 1 | 2;
  /** v2 TLVs, in order; empty for v1. */
  readonly tlvs: readonly ProxyTlv[];
}

/** A parsed PROXY protocol header. */
export type ProxyHeader = ProxyHeaderProxied | ProxyHeaderLocal | ProxyHeaderUnknown;

/** An address to put in a header: a `Deno.NetAddr` or a bare host and port. */
export type ProxyAddress = Deno.NetAddr | { readonly hostname: string; readonly port: number };

/** Where `readProxyHeader` reads from: a `Deno.Conn` or anything with its `read`. */
export interface ProxyHeaderSource {
  /** Reads into `p`; the count, or null at end of stream. */
  read(p: Uint8Array): Promise<number | null>;
}

/** What `readProxyHeader` returns. */
export interface ProxyHeaderRead {
  /** The header. */
  readonly header: ProxyHeader;
  /** Bytes read past the header: the start of the connection's payload (often empty). */
  readonly rest: Uint8Array;
}
