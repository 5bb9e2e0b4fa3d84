import { HealthRegistry } from "../balancer/health.ts";
import { flushFileSinks } from "../log/file_sink.ts";
import { noDelay } from "../http/no_delay.ts";
import { safeClose } from "../net/relay.ts";
import { ConnTracker } from "../net/conn_tracker.ts";
import { ClientConn, WAIT_HEAD, WAIT_NONE } from "./client_conn.ts";
import { DeadlineSweeper, tickFor } from "./_deadlines.ts";
import { compileGeneration, type Generation, upstreamsOf } from "./generation.ts";
import { logger } from "./logger.ts";
import { serveConnection } from "./_serve.ts";
import { serveHttp2Connection } from "./_serve_h2.ts";
import type { ReverseOptions, ReverseUpstream } from "./types.ts";
import { UpstreamGroup, upstreamKey, type UpstreamServerStatus } from "./upstream_group.ts";

let nextId = 1;

/**
 * The HTTP/1.1 reverse proxy of one listener. Each accepted connection is served request by
 * request through fixed phases — route (server by Host, location by path and method), access
 * (allow/deny), the action (`static` answer or `proxy` to an upstream), the response, the log
 * line — with keep-alive on both sides and a pool of idle upstream connections per server.
 *
 * `update()` swaps the options: new connections use them at once, open ones keep theirs.
 * Upstream state (balancer, pools, active checks) is kept for every upstream whose name and
 * server list did not change; passive health lives in the shared {@link HealthRegistry}.
 *
 * @example
 * ```ts
 * const proxy = new ReverseProxy("http.server[0]", options);
 * for await (const conn of Deno.listen({ port: 8080 })) proxy.handle(conn);
 * ```
 */
export class ReverseProxy {
  /** Name for logs. */
  readonly name: string;
  /** Open client connections and the upstream sockets they use, so the listener can drain. */
  readonly tracker: ConnTracker = new ConnTracker();
  readonly #health: HealthRegistry;
  readonly #sweeper: DeadlineSweeper;
  #groups = new Map<string, UpstreamGroup>();
  /** Shutdowns of the open HTTP/2 connections (GOAWAY when the listener drains). */
  readonly #http2 = new Set<AbortController>();
  #gen: Generation;
  #closed = false;

  /**
   * Creates the proxy; active health checks of its upstreams start at once.
   * @param name name for logs
   * @param options what to serve
   * @param health passive health shared across reloads (and with other listeners)
   */
  constructor(
    name: string,
    options: ReverseOptions,
    health: HealthRegistry = new HealthRegistry(),
  ) {
    this.name = name;
    this.#health = health;
    this.#gen = this.#compile(options);
    this.#sweeper = new DeadlineSweeper(tickFor(this.#gen.shortestTimeout));
  }

  /** The options new connections get. */
  get options(): ReverseOptions {
    return this.#gen.options;
  }

  /**
   * New connections use `options` from now on; open ones keep the options they started with.
   * Upstreams whose name and server list are unchanged keep their state; the others' idle
   * connections are closed and their active checks stopped.
   */
  update(options: ReverseOptions): void {
    const old = this.#groups;
    this.#gen = this.#compile(options);
    this.#sweeper.setTick(tickFor(this.#gen.shortestTimeout));
    for (const [key, group] of old) {
      if (this.#groups.get(key) !== group) group.close();
    }
  }

  /** Serves one accepted connection to its end; never throws. */
  async handle(conn: Deno.Conn): Promise<void> {
    const tracker = this.tracker;
    tracker.add(conn);
    let client: ClientConn | undefined;
    try {
      noDelay(conn);
      const gen = this.#gen;
      client = new ClientConn(nextId++, conn, { gen, sweeper: this.#sweeper, tracker });
      const h2 = gen.options.http2 === true && "handshake" in conn && await chosenH2(client);
      if (h2 === null) return; // no handshake in time: closed
      if (h2) {
        await serveHttp2Connection(client, {
          sweeper: this.#sweeper,
          nextId: () => nextId++,
          open: this.#http2,
        });
      } else {
        await serveConnection(client);
      }
    } catch (e) {
      if (e instanceof Deno.errors.InvalidData) {
        // A TLS client that broke the protocol (plain HTTP to an HTTPS port, a failed
        // handshake): one line, no stack.
        logger.warn("conn {id} {peer}: TLS failed: {error}", {
          id: client?.id ?? 0,
          peer: client?.peer ?? "?",
          error: e.message,
        });
      } else {
        logger.error("conn {id} {peer}: unexpected {error}", {
          id: client?.id ?? 0,
          peer: client?.peer ?? "?",
          error: e,
        });
      }
    } finally {
      if (client) client.finish();
      else safeClose(conn);
      tracker.delete(conn);
    }
  }

  /**
   * Open HTTP/2 connections stop taking new streams (GOAWAY) and close once their streams
   * are done; for a draining listener.
   */
  goAway(): void {
    for (const c of this.#http2) c.abort();
  }

  /** Upstream state for `/status`: upstream name → server address → state. */
  status(): Record<string, Record<string, UpstreamServerStatus>> {
    const out: Record<string, Record<string, UpstreamServerStatus>> = {};
    for (const g of this.#groups.values()) out[g.upstream.name] = g.status();
    return out;
  }

  /**
   * Stops active health checks and closes idle upstream connections. Call once the listener
   * stopped and drained; connections still open keep working but pool nothing.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#groups.values()].map((g) => g.close()));
    await flushFileSinks();
  }

  #compile(options: ReverseOptions): Generation {
    const previous = this.#groups;
    const next = new Map<string, UpstreamGroup>();
    const groupFor = (u: ReverseUpstream): UpstreamGroup => {
      const key = upstreamKey(u);
      let g = next.get(key);
      if (g) return g;
      g = previous.get(key);
      if (g && !this.#closed) g.reconfigure(u);
      else g = new UpstreamGroup(u, this.#health);
      next.set(key, g);
      return g;
    };
    for (const u of upstreamsOf(options)) groupFor(u);
    const gen = compileGeneration(options, groupFor);
    this.#groups = next;
    return gen;
  }
}

/**
 * Completes a TLS handshake within the head timeout: whether ALPN chose HTTP/2, null when
 * the timeout closed the connection first. A failed handshake throws `InvalidData`.
 */
async function chosenH2(client: ClientConn): Promise<boolean | null> {
  client.wait(WAIT_HEAD, client.gen.timeouts.clientRead);
  let info: Deno.TlsHandshakeInfo;
  try {
    info = await (client.conn as Deno.TlsConn).handshake();
  } catch (e) {
    if (client.fired !== WAIT_NONE) return null;
    throw e;
  }
  client.clear();
  return info.alpnProtocol === "h2";
}
