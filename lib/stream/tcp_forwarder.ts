import { Failover, type FailoverServer } from "../balancer/failover.ts";
import { HealthRegistry } from "../balancer/health.ts";
import { formatAddress } from "../net/address.ts";
import { ConnectError, connectTcp } from "../net/connect.ts";
import { relay, safeClose } from "../net/relay.ts";
import { debugEnabled } from "../log/level.ts";
import { log } from "../log/logger.ts";
import { ConnTracker } from "../net/conn_tracker.ts";
import { encodeProxyHeader } from "../net/proxy_protocol/encode.ts";
import { writeAll } from "../net/write.ts";
import { upstreamConnectFailed } from "../metrics/families.ts";

/** A server a {@link TcpForwarder} connects to. */
export interface StreamTarget extends FailoverServer {
  /** Host part of `addr`, without IPv6 brackets: a name (resolved at connect time) or an IP. */
  readonly hostname: string;
  /** Port part of `addr`. */
  readonly port: number;
}

/** Settings of a TCP forwarder; swapped as a whole on reload. */
export interface TcpForwarderOptions {
  /** Servers to balance over (weighted round-robin). */
  readonly servers: readonly StreamTarget[];
  /** Milliseconds to wait for each upstream connect. @default 10000 */
  readonly connectTimeout?: number;
  /** Milliseconds a connection may be idle both ways before it is closed; 0 = never. @default 600000 */
  readonly idleTimeout?: number;
  /** Send a PROXY protocol header naming the client first on each upstream connection. @default none */
  readonly sendProxyProtocol?: "v1" | "v2";
  /** The upstream's name, for `/metrics`. @default the forwarder's name */
  readonly upstream?: string;
}

interface Generation {
  readonly options: TcpForwarderOptions;
  readonly balancer: Failover<StreamTarget>;
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
  #gen: Generation;

  /** Creates a forwarder; `health` is shared across reloads so server state carries over. */
  constructor(
    name: string,
    options: TcpForwarderOptions,
    health: HealthRegistry = new HealthRegistry(),
  ) {
    this.name = name;
    this.#gen = { options, balancer: new Failover(options.servers, health) };
  }

  /** The settings new connections get. */
  get options(): TcpForwarderOptions {
    return this.#gen.options;
  }

  /** Replaces the settings; the balancer is rebuilt only when the server list changed. */
  update(options: TcpForwarderOptions): void {
    this.#gen = { options, balancer: this.#gen.balancer.withServers(options.servers) };
  }

  /** Health of each server, for `/status`. */
  health(): Record<string, unknown> {
    return this.#gen.balancer.status();
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
        const pp = gen.options.sendProxyProtocol;
        if (pp !== undefined) {
          const head = encodeProxyHeader(pp, client.remoteAddr, client.localAddr);
          if (!(await writeAll(upstream.conn, head).then(() => true, () => false))) {
            logger.warn("conn {id} {peer} → {upstream}: closed before the PROXY header", {
              id,
              peer,
              upstream: upstream.server.addr,
            });
            safeClose(upstream.conn);
            return;
          }
        }
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
    const timeout = gen.options.connectTimeout ?? 10_000;
    const picked = await gen.balancer.attempt(
      (server) => connectTcp(server.hostname, server.port, { timeout }),
      {
        isFailure: (e) => e instanceof ConnectError,
        onFailure: ({ server, error, more }) => {
          upstreamConnectFailed(gen.options.upstream ?? this.name, server.addr);
          logger.warn("conn {id} {peer}: {error}; {next}", {
            id,
            peer,
            error: (error as Error).message,
            next: more ? "trying the next server" : "no server left",
          });
        },
      },
    );
    if (picked && debugEnabled()) {
      logger.debug("conn {id} {peer} → {upstream} ({name})", {
        id,
        peer,
        upstream: picked.server.addr,
        name: this.name,
      });
    }
    return picked && { conn: picked.value, server: picked.server };
  }
}
