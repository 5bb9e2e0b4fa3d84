import { RoundRobinSelector } from "../balancer/round_robin.ts";
import type { Weighted } from "../balancer/selector.ts";
import { log } from "../log/logger.ts";

/** A UDP upstream server: where sessions send their datagrams. */
export interface UdpTarget extends Weighted {
  /** Host name or IP literal (without IPv6 brackets). */
  readonly hostname: string;
  /** UDP port. */
  readonly port: number;
}

/** Settings of a UDP forwarder; swapped as a whole on reload. */
export interface UdpForwarderOptions {
  /** Servers new sessions are spread over (weighted round-robin). */
  readonly servers: readonly UdpTarget[];
  /** Milliseconds of silence in both directions after which a session ends. @default 60000 */
  readonly idleTimeout?: number;
  /** Sessions kept at most; a new one evicts the session idle longest. @default 10000 */
  readonly maxSessions?: number;
}

/** Bytes a session can receive in one datagram from its upstream (nginx's default too). */
export const UDP_REPLY_BUFFER = 16 * 1024;
const CLIENT_BUFFER = 65536;

interface Session {
  readonly key: string;
  readonly client: Deno.NetAddr;
  readonly target: Deno.NetAddr;
  readonly server: UdpTarget;
  readonly socket: Deno.DatagramConn;
  last: number;
}

const logger = log("stream", "udp");

/**
 * UDP forwarding with a session per client address: a client's datagrams go to one upstream
 * server (picked by weighted round-robin when the session starts, then sticky), through a
 * socket of the session's own, and what that server sends back goes to that client. Sessions
 * end after `idleTimeout` of silence; the table is bounded by `maxSessions`.
 */
export class UdpForwarder {
  /** Name for logs, e.g. `stream.server[2]`. */
  readonly name: string;
  readonly #hostname: string;
  readonly #port: number;
  #options: Required<UdpForwarderOptions>;
  #selector: RoundRobinSelector<UdpTarget>;
  #socket: Deno.DatagramConn | undefined;
  /** Sessions in order of last activity, oldest first. */
  #sessions = new Map<string, Session>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  #loop: Promise<void> | undefined;
  #counts = {
    sessions: 0,
    evicted: 0,
    expired: 0,
    datagrams_in: 0,
    datagrams_out: 0,
    bytes_in: 0,
    bytes_out: 0,
  };

  /**
   * @param name name for logs
   * @param address where to listen
   * @param options servers and limits
   */
  constructor(
    name: string,
    address: { hostname: string; port: number },
    options: UdpForwarderOptions,
  ) {
    this.name = name;
    this.#hostname = address.hostname;
    this.#port = address.port;
    this.#options = withDefaults(options);
    this.#selector = new RoundRobinSelector(options.servers);
  }

  /** Binds the listening socket (with address reuse, so another process can share it). */
  bind(): void {
    this.#socket = Deno.listenDatagram({
      transport: "udp",
      hostname: this.#hostname,
      port: this.#port,
      reuseAddress: true,
    });
  }

  /** The address actually bound. */
  get boundAddr(): Deno.NetAddr | undefined {
    return this.#socket?.addr as Deno.NetAddr | undefined;
  }

  /** Live sessions. */
  get sessions(): number {
    return this.#sessions.size;
  }

  /** Counters for `/status`. */
  stats(): Record<string, number> {
    return { ...this.#counts, live_sessions: this.#sessions.size };
  }

  /** New sessions use `options` from now on; open sessions keep their server. */
  update(options: UdpForwarderOptions): void {
    const same = JSON.stringify(options.servers) === JSON.stringify(this.#options.servers);
    this.#options = withDefaults(options);
    if (!same) this.#selector = new RoundRobinSelector(options.servers);
    this.#armSweep();
  }

  /** Starts receiving. */
  start(): void {
    this.#loop ??= this.#receive();
    this.#armSweep();
  }

  /** Closes the listening socket and every session. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    try {
      this.#socket?.close();
    } catch {
      // already closed
    }
    for (const s of [...this.#sessions.values()]) this.#end(s);
    await this.#loop;
  }

  async #receive(): Promise<void> {
    const socket = this.#socket!;
    const buf = new Uint8Array(CLIENT_BUFFER);
    while (!this.#closed) {
      let data: Uint8Array;
      let from: Deno.Addr;
      try {
        [data, from] = await socket.receive(buf);
      } catch (e) {
        if (this.#closed) return;
        logger.warn("{name}: receive failed: {error}", { name: this.name, error: String(e) });
        continue;
      }
      this.#counts.datagrams_in++;
      this.#counts.bytes_in += data.byteLength;
      const client = from as Deno.NetAddr;
      const key = `${client.hostname}|${client.port}`;
      let session = this.#sessions.get(key);
      if (session) {
        this.#touch(session);
      } else {
        session = this.#open(key, client);
        if (!session) continue;
      }
      try {
        await session.socket.send(data, session.target);
      } catch (e) {
        logger.debug("{name}: send to {server} failed: {error}", {
          name: this.name,
          server: session.server.addr,
          error: String(e),
        });
      }
    }
  }

  #open(key: string, client: Deno.NetAddr): Session | undefined {
    const server = this.#selector.next();
    if (!server) return undefined;
    if (this.#sessions.size >= this.#options.maxSessions) {
      const oldest = this.#sessions.values().next().value;
      if (oldest) {
        this.#counts.evicted++;
        this.#end(oldest);
      }
    }
    const ipv6 = server.hostname.includes(":");
    let socket: Deno.DatagramConn;
    try {
      socket = Deno.listenDatagram({
        transport: "udp",
        hostname: ipv6 ? "::" : "0.0.0.0",
        port: 0,
      });
    } catch (e) {
      logger.warn("{name}: cannot open a session socket: {error}", {
        name: this.name,
        error: String(e),
      });
      return undefined;
    }
    const session: Session = {
      key,
      client,
      target: { transport: "udp", hostname: server.hostname, port: server.port },
      server,
      socket,
      last: Date.now(),
    };
    this.#sessions.set(key, session);
    this.#counts.sessions++;
    logger.debug("{name}: session {client} → {server}", {
      name: this.name,
      client: `${client.hostname}:${client.port}`,
      server: server.addr,
    });
    this.#replies(session);
    return session;
  }

  async #replies(session: Session): Promise<void> {
    const buf = new Uint8Array(UDP_REPLY_BUFFER);
    const { target } = session;
    const literal = /^[\d.]+$|:/.test(target.hostname);
    while (true) {
      let data: Uint8Array;
      let from: Deno.NetAddr;
      try {
        const got = await session.socket.receive(buf);
        data = got[0];
        from = got[1] as Deno.NetAddr;
      } catch {
        return; // the session was closed
      }
      // Only the session's server may answer through it.
      if (literal && (from.port !== target.port || from.hostname !== target.hostname)) continue;
      this.#touch(session);
      try {
        await this.#socket!.send(data, session.client);
        this.#counts.datagrams_out++;
        this.#counts.bytes_out += data.byteLength;
      } catch {
        if (this.#closed) return;
      }
    }
  }

  #touch(session: Session): void {
    session.last = Date.now();
    // Keep the map ordered by activity so the oldest session is always first.
    this.#sessions.delete(session.key);
    this.#sessions.set(session.key, session);
  }

  #end(session: Session): void {
    if (this.#sessions.get(session.key) === session) this.#sessions.delete(session.key);
    try {
      session.socket.close();
    } catch {
      // already closed
    }
  }

  #armSweep(): void {
    if (this.#closed || !this.#loop) return;
    clearInterval(this.#timer);
    const every = Math.min(1000, Math.max(25, this.#options.idleTimeout / 4));
    this.#timer = setInterval(() => this.#sweep(), every);
    Deno.unrefTimer(this.#timer);
  }

  #sweep(): void {
    const cutoff = Date.now() - this.#options.idleTimeout;
    for (const s of this.#sessions.values()) {
      if (s.last > cutoff) break; // ordered by activity: the rest are newer
      this.#counts.expired++;
      logger.debug("{name}: session {client} expired", {
        name: this.name,
        client: `${s.client.hostname}:${s.client.port}`,
      });
      this.#end(s);
    }
  }
}

function withDefaults(o: UdpForwarderOptions): Required<UdpForwarderOptions> {
  return {
    servers: o.servers,
    idleTimeout: o.idleTimeout ?? 60_000,
    maxSessions: o.maxSessions ?? 10_000,
  };
}
