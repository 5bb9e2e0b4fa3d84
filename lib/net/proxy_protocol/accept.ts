import { startTimer, stopTimer } from "../timer.ts";
import { ProxyProtocolError } from "./error.ts";
import { readProxyHeader } from "./read.ts";
import type { ProxyHeader } from "./types.ts";

/** Options for {@link acceptProxyHeader}. */
export interface AcceptProxyHeaderOptions {
  /** Milliseconds the whole header may take to arrive; the connection is closed after. @default 5000 */
  readonly timeoutMs?: number;
  /** The local address to report instead of the socket's (a loopback hop's far end). @default the socket's */
  readonly localAddr?: Deno.NetAddr;
}

/**
 * A connection whose addresses come from the PROXY header it started with: `remoteAddr` is
 * the visitor the sender relays (the socket's own for LOCAL and UNKNOWN headers), `localAddr`
 * where the visitor connected. Reads return the bytes read past the header first. Everything
 * else goes to the socket.
 */
export class ProxiedConn<C extends Deno.Conn = Deno.Conn> implements Deno.Conn {
  /** The socket. */
  readonly inner: C;
  /** The header the connection started with. */
  readonly header: ProxyHeader;
  readonly remoteAddr: Deno.NetAddr;
  readonly localAddr: Deno.NetAddr;
  #rest: Uint8Array | null;

  /**
   * @param inner the socket, its header already read
   * @param header the header
   * @param rest bytes read past the header
   * @param localAddr the local address to report when the header gives none
   */
  constructor(inner: C, header: ProxyHeader, rest: Uint8Array, localAddr?: Deno.NetAddr) {
    this.inner = inner;
    this.header = header;
    const proxied = header.kind === "proxy";
    this.remoteAddr = proxied ? header.source : inner.remoteAddr as Deno.NetAddr;
    this.localAddr = proxied ? header.destination : localAddr ?? inner.localAddr as Deno.NetAddr;
    this.#rest = rest.length > 0 ? rest : null;
    if (this.#rest === null) {
      // Nothing to hand out first: fast readers (lib/net/relay.ts) may read the socket itself.
      for (const s of Object.getOwnPropertySymbols(inner)) {
        if (s.description === "Deno.internal.rid") {
          Object.defineProperty(this, s, { value: Reflect.get(inner, s) });
        }
      }
    }
  }

  read(p: Uint8Array): Promise<number | null> {
    const rest = this.#rest;
    if (rest === null) return this.inner.read(p);
    const n = Math.min(p.length, rest.length);
    p.set(rest.subarray(0, n));
    this.#rest = n === rest.length ? null : rest.subarray(n);
    return Promise.resolve(n);
  }

  write(p: Uint8Array): Promise<number> {
    return this.inner.write(p);
  }

  closeWrite(): Promise<void> {
    return this.inner.closeWrite();
  }

  close(): void {
    this.inner.close();
  }

  get readable(): ReadableStream<Uint8Array<ArrayBuffer>> {
    if (this.#rest !== null) throw new TypeError("ProxiedConn: read() the buffered bytes first");
    return this.inner.readable;
  }

  get writable(): WritableStream<Uint8Array<ArrayBufferLike>> {
    return this.inner.writable;
  }

  ref(): void {
    this.inner.ref();
  }

  unref(): void {
    this.inner.unref();
  }

  /** Nagle's algorithm on the socket (TCP only; nothing for TLS). */
  setNoDelay(noDelay?: boolean): void {
    const inner = this.inner as unknown as Partial<Deno.TcpConn>;
    inner.setNoDelay?.(noDelay);
  }

  /** Keep-alive on the socket (TCP only). */
  setKeepAlive(keepAlive?: boolean): void {
    const inner = this.inner as unknown as Partial<Deno.TcpConn>;
    inner.setKeepAlive?.(keepAlive);
  }

  [Symbol.dispose](): void {
    this.inner[Symbol.dispose]();
  }
}

/**
 * Reads the PROXY header a connection starts with, within `timeoutMs` (the socket is closed
 * then). Size is bounded by the protocol: 107 bytes for v1, 16 + 65535 for v2.
 * Throws {@link ProxyProtocolError} when the header is missing, malformed or late; the caller
 * closes the connection.
 * @param conn the accepted socket
 * @param options timeout and reported local address
 * @returns the connection with the header's addresses
 * @example
 * ```ts
 * const proxied = await acceptProxyHeader(conn, { timeoutMs: 5000 });
 * console.log(proxied.remoteAddr.hostname);
 * ```
 */
export async function acceptProxyHeader<C extends Deno.Conn>(
  conn: C,
  options: AcceptProxyHeaderOptions = {},
): Promise<ProxiedConn<C>> {
  const timeoutMs = options.timeoutMs ?? 5000;
  let late = false;
  const timer = startTimer(() => {
    late = true;
    try {
      conn.close();
    } catch {
      // closed already
    }
  }, timeoutMs);
  try {
    const { header, rest } = await readProxyHeader(conn);
    return new ProxiedConn(conn, header, rest, options.localAddr);
  } catch (e) {
    if (late) throw new ProxyProtocolError(`no PROXY header within ${timeoutMs} ms`);
    if (e instanceof ProxyProtocolError) throw e;
    throw new ProxyProtocolError(`reading the header failed: ${(e as Error).message}`);
  } finally {
    stopTimer(timer);
  }
}
