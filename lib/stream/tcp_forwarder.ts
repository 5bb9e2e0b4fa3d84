import { HealthRegistry } from "../balancer/health.ts";
import { RoundRobinSelector } from "../balancer/round_robin.ts";
import type { UpstreamServer } from "../config/schema.ts";
import { formatAddress } from "../net/address.ts";
import { ConnectError, connectTcp } from "../net/connect.ts";
import { relay, safeClose } from "../net/relay.ts";
import { debugEnabled } from "../log/level.ts";
import { log } from "../log/logger.ts";
import { ConnTracker } from "../server/conn_tracker.ts";

/** Settings of a TCP forwarder; swapped as a whole on reload. */
export interface TcpForwarderOptions {
  /** Servers to balance over (weighted round-robin). */
  readonly servers: readonly UpstreamServer[];
  /** Milliseconds to wait for each upstream connect. @default 10000 */
  readonly connectTimeout?: number;
  /** Milliseconds a connection may be idle both ways before it is closed; 0 = never. @default 600000 */
  readonly idleTimeout?: number;
}

interface Generation {
  readonly options: TcpForwarderOptions;
  readonly selector: RoundRobinSelector<UpstreamServer>;
}

const logger = log("stream");
let nextId = 1;

/**
 * L4 TCP forwarding: each accepted connection is joined to an upstream server picked by
 * weighted round-robin, skipping servers that passive health marked down; a failed connect
 * moves on to the next server before the client notices. Settings can be replaced while
 * running: new connections use them at once, open ones keep what they started with.
 */
export class TcpForwarder {
  /** The listener's config name, e.g. `stream.server[0]`, for logs. */
  readonly name: string;
  /** Open connections, so the listener can drain. */
  readonly tracker: ConnTracker = new ConnTracker();
  #health: HealthRegistry;
  #gen: Generation;

  /** Creates a forwarder; `health` is shared across reloads so server state carries over. */
  constructor(
    name: string,
    options: TcpForwarderOptions,
    health: HealthRegistry = new HealthRegistry(),
  ) {
    this.name = name;
    this.#health = health;
    this.#gen = { options, selector: new RoundRobinSelector(options.servers) };
  }

  /** The settings new connections get. */
  get options(): TcpForwarderOptions {
    return this.#gen.options;
  }

  /** Replaces the settings; the balancer is rebuilt only when the server list changed. */
  update(options: TcpForwarderOptions): void {
    const same = JSON.stringify(options.servers) === JSON.stringify(this.#gen.options.servers);
    this.#gen = {
      options,
      selector: same ? this.#gen.selector : new RoundRobinSelector(options.servers),
    };
  }

  /** Health of each server, for `/status`. */
  health(): Record<string, unknown> {
    return Object.fromEntries(
      this.#gen.options.servers.map((s) => [s.addr, this.#health.get(s.addr).toJSON()]),
    );
  }

  /** Serves one accepted connection to its end; never throws. */
  async handle(client: Deno.TcpConn): Promise<void> {
    const gen = this.#gen;
    const id = nextId++;
    const peer = formatAddress(client.remoteAddr);
    this.tracker.add(client);
    try {
      const upstream = await this.#connect(gen, id, peer);
      if (!upstream) return;
      this.tracker.add(upstream.conn, false);
      try {
        const r = await relay(client, upstream.conn, { idleTimeout: gen.options.idleTimeout });
        if (debugEnabled()) {
          logger.debug(
            "conn {id} {peer} → {upstream} closed ({reason}): {sent} bytes up, {received} down",
            { id, peer, upstream: upstream.server.addr, ...r },
          );
        }
      } finally {
        this.tracker.delete(upstream.conn);
      }
    } catch (e) {
      logger.error("conn {id} {peer}: unexpected {error}", { id, peer, error: e });
    } finally {
      safeClose(client);
      this.tracker.delete(client);
    }
  }

  /**
   * Connects to a server picked as for {@link handle} (failover included), for a caller that
   * moves the bytes itself (the ws2tcp bridge); undefined when no server could be reached.
   */
  async connectUpstream(peer: string): Promise<Deno.TcpConn | undefined> {
    return (await this.#connect(this.#gen, nextId++, peer))?.conn;
  }

  async #connect(gen: Generation, id: number, peer: string) {
    const { servers } = gen.options;
    const single = servers.length === 1;
    const now = Date.now();
    const tried = new Set<UpstreamServer>();
    const isUp = (s: UpstreamServer) => single || this.#health.get(s.addr).isUp(now);
    // When every server is down, try them all anyway: one may have come back.
    const anyUp = servers.some(isUp);
    let server = gen.selector.next(tried, anyUp ? isUp : undefined);
    while (server) {
      tried.add(server);
      const health = this.#health.get(server.addr);
      try {
        const conn = await connectTcp(server.hostname, server.port, {
          timeout: gen.options.connectTimeout ?? 10_000,
        });
        health.recordSuccess();
        if (debugEnabled()) {
          logger.debug("conn {id} {peer} → {upstream} ({name})", {
            id,
            peer,
            upstream: server.addr,
            name: this.name,
          });
        }
        return { conn, server };
      } catch (e) {
        if (!(e instanceof ConnectError)) throw e;
        if (!single) health.recordFailure(server);
        logger.warn("conn {id} {peer}: {error}; {next}", {
          id,
          peer,
          error: e.message,
          next: tried.size < servers.length ? "trying the next server" : "no server left",
        });
      }
      server = gen.selector.next(tried, anyUp ? isUp : undefined) ??
        (anyUp ? gen.selector.next(tried) : undefined);
    }
    return undefined;
  }
}
