import { noDelay } from "../http/no_delay.ts";
import { HttpReader } from "../http/reader.ts";
import { cancelWatch, type LateWatch, watchLater } from "../http/watch_later.ts";
import { ConnectError, connectTcp, connectTls } from "../net/connect.ts";
import { writeAll } from "../net/write.ts";
import { fastReader, safeClose } from "../net/relay.ts";
import type { ReverseUpstreamServer, UpstreamTls } from "./types.ts";

/**
 * One connection to an upstream server. Its reader holds a pooled 64 KiB buffer only while
 * it serves a request: an idle pooled connection holds none, only the 1 KiB of the read
 * that watches it (see {@link UpstreamConn.park}).
 */
export class UpstreamConn implements LateWatch {
  /** The socket. */
  readonly conn: Deno.Conn;
  /** The server it goes to. */
  readonly server: ReverseUpstreamServer;
  /** The server's `host:port`, for messages. */
  readonly address: string;
  /** Requests sent on it before the current one (more than 0: reused from the pool). */
  requests = 0;
  /** Serving a request for a client (between `takeIdle`/`connect` and `release` of its group). */
  leased = false;
  /** When it was put back in the pool (ms since the epoch). */
  idleSince = 0;
  readonly #reader: HttpReader;
  #closed = false;
  #onStray: ((c: UpstreamConn, bytes: boolean) => void) | null = null;

  /** Wraps a connected socket (Nagle off). */
  constructor(conn: Deno.Conn, server: ReverseUpstreamServer) {
    this.conn = conn;
    this.server = server;
    this.address = server.addr;
    this.#reader = new HttpReader({ read: fastReader(conn) });
    noDelay(conn);
  }

  /**
   * Connects to `server` within `timeoutMs` (0: a day); throws `ConnectError`. `preface` (a
   * PROXY protocol header) goes first, before any TLS handshake.
   */
  static async open(
    server: ReverseUpstreamServer,
    timeoutMs: number,
    tls: UpstreamTls | null = null,
    preface?: Uint8Array,
  ): Promise<UpstreamConn> {
    const timeout = timeoutMs > 0 ? timeoutMs : 86_400_000;
    const conn = tls
      ? await connectTls(server.hostname, server.port, {
        timeout,
        serverName: tls.serverName ?? server.hostname,
        preface,
      })
      : await connectTcp(server.hostname, server.port, { timeout });
    if (!tls && preface !== undefined) {
      try {
        await writeAll(conn, preface);
      } catch (e) {
        safeClose(conn);
        throw new ConnectError(server.addr, "refused", e);
      }
    }
    return new UpstreamConn(conn, server);
  }

  /** The connection's reader. */
  get reader(): HttpReader {
    return this.#reader;
  }

  /** Bytes read so far (a progress counter for stall checks). */
  get bytesRead(): number {
    return this.#reader.bytesRead;
  }

  /** Whether {@link close} ran. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Ends the current request: gives the reader's buffer back and, soon after, starts
   * watching the idle socket with one small read (see `watchLater`). Should a byte, the end
   * of stream or an error arrive before the connection is taken again, `onStray` runs (the
   * pool then closes and drops it); once taken, that read is simply the first of the
   * response. Returns false (keeping the buffer, watching nothing) when bytes beyond the
   * response are buffered, which makes the connection unusable.
   */
  park(onStray: (c: UpstreamConn, bytes: boolean) => void): boolean {
    if (!this.#reader.park()) return false;
    this.#onStray = onStray;
    watchLater(this);
    return true;
  }

  /** Leaves the pool for a request: a watch not started yet never starts. */
  unpark(): void {
    cancelWatch(this);
  }

  /** The pool waited long enough: watches the idle socket. */
  startWatch(): void {
    if (!this.leased && !this.#closed) this.#reader.watch(this.#strayed);
  }

  readonly #strayed = (bytes: boolean): void => {
    // A request took the read (so this did not run) or the connection is idle.
    if (!this.leased && !this.#closed) this.#onStray!(this, bytes);
  };

  /** Closes the socket only, so pending reads and writes end; {@link close} still follows. */
  abort(): void {
    safeClose(this.conn);
  }

  /** Closes the socket and returns the buffer; no read may be pending but an idle watch. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    cancelWatch(this);
    safeClose(this.conn);
    this.#reader.release();
  }
}
