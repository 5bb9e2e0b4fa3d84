/**
 * A TLS listener whose clients send a PROXY header before their TLS handshake.
 *
 * Deno 2.9 can only start server-side TLS on a socket its own TLS listener accepted
 * (`Deno.startTls` is client-only), and the header comes in clear before the handshake. So
 * the public address is a plain TCP socket: each connection's header is read there, then the
 * connection's remaining bytes are relayed over a loopback hop to a private TLS listener
 * (`127.0.0.1`, any port) which does the handshake. The hop's source port maps the TLS
 * connection back to its header, whose addresses become the connection's `remoteAddr` and
 * `localAddr`. The connections it hands out are real `Deno.TlsConn`s (SNI certificates,
 * ALPN, HTTP/2 as on any TLS listener).
 *
 * Measured against `node:tls` (a `TLSSocket` with `isServer` on a `node:net` socket, the other
 * way to do a server handshake after reading the header): new connections per second, the
 * handshake's cost, were the same as a direct `Deno.listenTls` through the hop and 7 times
 * lower with `node:tls`; bulk transfer the same; small keep-alive requests cost the hop about
 * half the rate of a bare responder, about what `node:tls` costs too.
 * @module
 */

import { relay, safeClose } from "../relay.ts";
import { readClientHello } from "../tls_client_hello.ts";
import { writeAll } from "../write.ts";
import { listenTlsSni, type ListenTlsSniOptions } from "../tls_listen.ts";
import { startTimer, stopTimer, type Timer } from "../timer.ts";
import { acceptProxyHeader } from "./accept.ts";
import { ProxyProtocolError } from "./error.ts";

/** Options for {@link listenTlsProxied}. */
export interface ListenTlsProxiedOptions extends ListenTlsSniOptions {
  /** Milliseconds a connection's header may take. */
  readonly timeoutMs: number;
  /** Called for a connection closed because its header was missing, malformed or late. */
  readonly onRejected: (peer: Deno.NetAddr, error: ProxyProtocolError) => void;
}

const EMPTY = new Uint8Array(0);

/** Milliseconds a hop connection may wait for its header's side to claim it. */
const CLAIM_MS = 5000;

/**
 * Public connections accepted and not yet handed to an `accept` caller (reading their header
 * and ClientHello, or waiting in the ready queue) at most: beyond it new clients wait in the
 * kernel's backlog, however many send their header slowly.
 */
const MAX_PENDING = 256;

/** What the header side knows of a hop: the addresses its TLS connection gets. */
interface Hop {
  readonly remoteAddr: Deno.NetAddr;
  readonly localAddr: Deno.NetAddr;
}

/** A hop's TLS connection that arrived before its header side registered it. */
interface Orphan {
  readonly conn: Deno.TlsConn;
  readonly timer: Timer;
}

/**
 * Binds the public TCP socket (with `reusePort`) and the private TLS one; see the module
 * documentation. `accept` returns TLS connections (handshake not yet done, as
 * `Deno.listenTls`'s) whose addresses are their headers'.
 */
export function listenTlsProxied(options: ListenTlsProxiedOptions): Deno.TlsListener {
  const back = listenTlsSni({ ...options, hostname: "127.0.0.1", port: 0 });
  let front: Deno.TcpListener;
  try {
    front = Deno.listen({
      hostname: options.hostname,
      port: options.port,
      transport: "tcp",
      reusePort: true,
      tcpBacklog: options.backlog,
    });
  } catch (e) {
    back.close();
    throw e;
  }
  return new ProxiedTlsListener(front, back, options);
}

class ProxiedTlsListener implements Deno.TlsListener {
  readonly #front: Deno.TcpListener;
  readonly #back: Deno.TlsListener;
  readonly #options: ListenTlsProxiedOptions;
  /** Hops whose TLS connection has not arrived yet, by their source port. */
  readonly #hops = new Map<number, Hop>();
  /** TLS connections that arrived before their hop was registered, by source port. */
  readonly #orphans = new Map<number, Orphan>();
  /** Connections ready for `accept`. */
  readonly #ready: Deno.TlsConn[] = [];
  /** Pending `accept` calls. */
  readonly #takers: { resolve(c: Deno.TlsConn): void; reject(e: Error): void }[] = [];
  /** Public connections accepted and not handed out yet (bounded by {@link MAX_PENDING}). */
  #pending = 0;
  /** Wakes the front loop when an `accept` call comes or a pending connection leaves. */
  #wanted: (() => void) | undefined;
  #closed = false;

  constructor(front: Deno.TcpListener, back: Deno.TlsListener, options: ListenTlsProxiedOptions) {
    this.#front = front;
    this.#back = back;
    this.#options = options;
    this.#frontLoop();
    this.#backLoop();
  }

  get addr(): Deno.NetAddr {
    return this.#front.addr;
  }

  accept(): Promise<Deno.TlsConn> {
    if (this.#closed) return Promise.reject(new Deno.errors.BadResource("listener closed"));
    const conn = this.#ready.shift();
    if (conn) {
      this.#settled();
      return Promise.resolve(conn);
    }
    const taken = new Promise<Deno.TlsConn>((resolve, reject) => {
      this.#takers.push({ resolve, reject });
    });
    this.#wake();
    return taken;
  }

  #wake(): void {
    const wake = this.#wanted;
    this.#wanted = undefined;
    wake?.();
  }

  /** A pending connection was handed out or dropped: the front loop may accept another. */
  #settled(): void {
    this.#pending--;
    this.#wake();
  }

  close(): void {
    if (this.#closed) throw new Deno.errors.BadResource("listener closed");
    this.#closed = true;
    for (const l of [this.#front, this.#back]) {
      try {
        l.close();
      } catch {
        // closed already
      }
    }
    for (const t of this.#takers.splice(0)) t.reject(new Deno.errors.BadResource("closed"));
    for (const c of this.#ready.splice(0)) safeClose(c);
    for (const o of this.#orphans.values()) {
      stopTimer(o.timer);
      safeClose(o.conn);
    }
    this.#orphans.clear();
    this.#hops.clear();
    this.#wanted?.();
  }

  ref(): void {
    this.#front.ref();
    this.#back.ref();
  }

  unref(): void {
    this.#front.unref();
    this.#back.unref();
  }

  async *[Symbol.asyncIterator](): AsyncIterableIterator<Deno.TlsConn> {
    while (true) {
      try {
        yield await this.accept();
      } catch (e) {
        if (e instanceof Deno.errors.BadResource) return;
        throw e;
      }
    }
  }

  [Symbol.dispose](): void {
    if (!this.#closed) this.close();
  }

  /**
   * Accepts public connections while someone waits in `accept`, so that a caller that stops
   * accepting (at its connection limit) leaves new clients in the kernel's backlog.
   */
  async #frontLoop(): Promise<void> {
    while (!this.#closed) {
      if (this.#takers.length === 0 || this.#pending >= MAX_PENDING) {
        await new Promise<void>((r) => this.#wanted = r);
        continue;
      }
      let conn: Deno.TcpConn;
      try {
        conn = await this.#front.accept();
      } catch (e) {
        if (this.#closed) return;
        if (e instanceof Deno.errors.BadResource || e instanceof Deno.errors.Interrupted) return;
        // Out of descriptors and the like: the TLS side's caller logs its own failures.
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      this.#pending++;
      this.#forward(conn);
    }
  }

  /**
   * Reads `conn`'s header and then its whole ClientHello (both within `timeoutMs`), connects
   * the hop, writes the hello to it in one piece and relays the rest. One piece because the
   * private listener fails a handshake whose ClientHello it reads in parts (see
   * lib/net/tls_client_hello.ts), and the header's read usually takes the hello's first bytes.
   */
  async #forward(conn: Deno.TcpConn): Promise<void> {
    const { timeoutMs, onRejected } = this.#options;
    let proxied;
    let hello: Uint8Array | null;
    try {
      proxied = await acceptProxyHeader(conn, { timeoutMs });
      hello = await this.#readHello(proxied, timeoutMs);
    } catch (e) {
      onRejected(conn.remoteAddr, e as ProxyProtocolError);
      safeClose(conn);
      this.#settled();
      return;
    }
    if (hello === null) {
      safeClose(conn); // gone before its ClientHello was complete
      this.#settled();
      return;
    }
    let hop: Deno.TcpConn;
    try {
      hop = await Deno.connect({ hostname: "127.0.0.1", port: this.#back.addr.port });
    } catch {
      safeClose(conn); // the listener closed meanwhile
      this.#settled();
      return;
    }
    conn.setNoDelay(true);
    hop.setNoDelay(true);
    const port = hop.localAddr.port;
    const addrs = { remoteAddr: proxied.remoteAddr, localAddr: proxied.localAddr };
    this.#register(port, addrs);
    try {
      await writeAll(hop, hello);
    } catch {
      safeClose(hop);
    }
    await relay(proxied, hop).catch(() => {});
    // Never claimed (the private listener dropped it): forget it.
    if (this.#hops.get(port) === addrs) {
      this.#hops.delete(port);
      this.#settled();
    }
  }

  /**
   * The ClientHello after the header, within `timeoutMs`; null when the client left first
   * (or its end was taken for one as the deadline closed it). Throws {@link ProxyProtocolError} when it is late (the connection is closed).
   */
  async #readHello(proxied: Deno.Conn, timeoutMs: number): Promise<Uint8Array | null> {
    let late = false;
    const timer = startTimer(() => {
      late = true;
      safeClose(proxied);
    }, timeoutMs);
    try {
      const hello = await readClientHello(proxied, EMPTY);
      return late ? null : hello;
    } catch {
      if (late) throw new ProxyProtocolError(`no TLS ClientHello within ${timeoutMs} ms`);
      return null;
    } finally {
      stopTimer(timer);
    }
  }

  /** The TLS side of the hop: each connection is matched with its header by source port. */
  async #backLoop(): Promise<void> {
    while (true) {
      let conn: Deno.TlsConn;
      try {
        conn = await this.#back.accept();
      } catch (e) {
        if (this.#closed) return;
        if (e instanceof Deno.errors.BadResource || e instanceof Deno.errors.Interrupted) return;
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      const from = conn.remoteAddr;
      const port = from.port;
      if (from.hostname !== "127.0.0.1" || this.#orphans.has(port)) {
        safeClose(conn);
        continue;
      }
      const hop = this.#hops.get(port);
      if (hop) {
        this.#hops.delete(port);
        this.#deliver(conn, hop);
      } else {
        // The connect's continuation has not run yet (or someone else connected: not
        // claimed, closed after a while).
        const timer = startTimer(() => {
          this.#orphans.delete(port);
          safeClose(conn);
        }, CLAIM_MS);
        this.#orphans.set(port, { conn, timer });
      }
    }
  }

  #register(port: number, hop: Hop): void {
    const orphan = this.#orphans.get(port);
    if (orphan) {
      this.#orphans.delete(port);
      stopTimer(orphan.timer);
      this.#deliver(orphan.conn, hop);
    } else {
      this.#hops.set(port, hop);
    }
  }

  #deliver(conn: Deno.TlsConn, hop: Hop): void {
    Object.defineProperty(conn, "remoteAddr", { value: hop.remoteAddr });
    Object.defineProperty(conn, "localAddr", { value: hop.localAddr });
    const taker = this.#takers.shift();
    if (taker) {
      taker.resolve(conn);
      this.#settled();
    } else this.#ready.push(conn);
  }
}
