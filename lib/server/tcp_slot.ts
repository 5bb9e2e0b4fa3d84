import { log } from "../log/logger.ts";
import { type CertResolver, listenTlsSni } from "../net/tls_listen.ts";

/** What a TCP slot hands its accepted connections to (TLS connections from a TLS slot). */
export interface TcpConnHandler {
  handle(conn: Deno.TcpConn | Deno.TlsConn): Promise<void>;
}

const logger = log("server");

/**
 * One bound TCP socket (with `reusePort`) and its accept loop. The socket lives as long as
 * its address is in the config; what handles connections can be swapped without closing it,
 * so no queued connection is ever reset by a reload.
 */
export class TcpSlot {
  readonly hostname: string;
  readonly port: number;
  #listener: Deno.TcpListener | Deno.TlsListener | undefined;
  #handler: TcpConnHandler;
  #loop: Promise<void> | undefined;
  readonly #certs: CertResolver | undefined;

  /**
   * @param certs for a TLS socket: where each handshake's certificate comes from (by SNI);
   * it is consulted per handshake, so what it returns may change without rebinding
   */
  constructor(hostname: string, port: number, handler: TcpConnHandler, certs?: CertResolver) {
    this.hostname = hostname;
    this.port = port;
    this.#handler = handler;
    this.#certs = certs;
  }

  /** Binds the socket; throws Deno.errors.AddrInUse and the like. */
  bind(): void {
    const { hostname, port } = this;
    this.#listener = this.#certs
      ? listenTlsSni({ hostname, port, certs: this.#certs })
      : Deno.listen({ hostname, port, transport: "tcp", reusePort: true });
  }

  /** The address actually bound (the real port when 0 was asked for). */
  get boundAddr(): Deno.NetAddr | undefined {
    return this.#listener?.addr;
  }

  /** New connections go to `handler` from now on. */
  setHandler(handler: TcpConnHandler): void {
    this.#handler = handler;
  }

  /** Starts accepting. */
  start(): void {
    this.#loop ??= this.#accept();
  }

  /** Stops accepting and closes the socket; open connections are not touched. */
  async close(): Promise<void> {
    try {
      this.#listener?.close();
    } catch {
      // already closed
    }
    await this.#loop;
  }

  async #accept(): Promise<void> {
    const listener = this.#listener!;
    while (true) {
      let conn: Deno.TcpConn | Deno.TlsConn;
      try {
        conn = await listener.accept();
      } catch (e) {
        if (e instanceof Deno.errors.BadResource || e instanceof Deno.errors.Interrupted) return;
        logger.error("accept on {addr} failed: {error}", {
          addr: `${this.hostname}:${this.port}`,
          error: (e as Error).message,
        });
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      this.#handler.handle(conn);
    }
  }
}
