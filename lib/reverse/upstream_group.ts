import { ActiveHealthCheck } from "../balancer/active_health.ts";
import { HashSelector } from "../balancer/hash.ts";
import type { HealthRegistry } from "../balancer/health.ts";
import { LeastConnSelector } from "../balancer/least_conn.ts";
import { RoundRobinSelector } from "../balancer/round_robin.ts";
import type { VariableSource } from "../http/variables.ts";
import { compileTemplate, type Template } from "./template.ts";
import type { ReverseUpstream, ReverseUpstreamServer } from "./types.ts";
import { UpstreamConn } from "./upstream_conn.ts";
import { IdlePool } from "./upstream_pool.ts";
import { encodeLocalHeader, encodeProxyHeader } from "../net/proxy_protocol/encode.ts";

type Server = ReverseUpstreamServer;

/** One server as `/status` shows it. */
export interface UpstreamServerStatus {
  /** Whether it may get requests now. */
  readonly up: boolean;
  /** Passive health (`ServerHealth.toJSON()`). */
  readonly passive: Record<string, unknown>;
  /** What active checks found, when configured. */
  readonly active: Record<string, unknown> | null;
  /** Requests in flight. */
  readonly active_requests: number;
  /** Idle keep-alive connections. */
  readonly idle: number;
}

const CLIENT_IP_KEY = compileTemplate("{client_ip}");

/** The identity of an upstream's runtime state: name and server list. */
export function upstreamKey(upstream: ReverseUpstream): string {
  const tls = upstream.tls ? `tls ${upstream.tls.serverName ?? ""}\n` : "";
  return `${tls}${upstream.name}\n${JSON.stringify(upstream.servers)}`;
}

/**
 * The runtime state of one upstream: balancer, idle connection pools, requests in flight and
 * active health checks, built from an immutable server list. It outlives reloads that keep
 * the name and server list ({@link upstreamKey}); passive health lives in the shared
 * {@link HealthRegistry}, keyed by address.
 */
export class UpstreamGroup {
  /** See {@link upstreamKey}. */
  readonly key: string;
  /** The servers, in config order. */
  readonly servers: readonly Server[];
  #upstream: ReverseUpstream;
  readonly #health: HealthRegistry;
  readonly #pools: Map<Server, IdlePool>;
  readonly #inFlight: Map<Server, number>;
  #roundRobin: RoundRobinSelector<Server> | null = null;
  #leastConn: LeastConnSelector<Server> | null = null;
  #hash: HashSelector<Server> | null = null;
  #hashKey: Template | null = null;
  #checker: ActiveHealthCheck<Server> | null = null;
  /** Eligibility test handed to selectors: built once, not per request. */
  readonly #eligible: (s: Server) => boolean;
  #now = 0;

  /** Builds the state for `upstream`; active checks start at once when configured. */
  constructor(upstream: ReverseUpstream, health: HealthRegistry) {
    this.key = upstreamKey(upstream);
    this.servers = upstream.servers;
    this.#upstream = upstream;
    this.#health = health;
    this.#pools = new Map();
    this.#inFlight = new Map();
    for (const s of upstream.servers) this.#inFlight.set(s, 0);
    this.#eligible = (s) => this.isUp(s, this.#now);
    this.#configure(upstream, null);
  }

  /** The upstream as last configured. */
  get upstream(): ReverseUpstream {
    return this.#upstream;
  }

  /**
   * Takes the settings of a reloaded upstream with the same key: a new balance method gets
   * a new selector, changed health-check or keep-alive settings restart those parts; pools,
   * counters and health carry over.
   */
  reconfigure(upstream: ReverseUpstream): void {
    const old = this.#upstream;
    this.#upstream = upstream;
    this.#configure(upstream, old);
  }

  #configure(upstream: ReverseUpstream, old: ReverseUpstream | null): void {
    const m = upstream.method;
    if (!old || JSON.stringify(old.method) !== JSON.stringify(m)) {
      this.#roundRobin = m.kind === "round_robin" ? new RoundRobinSelector(this.servers) : null;
      this.#leastConn = m.kind === "least_conn" ? new LeastConnSelector(this.servers) : null;
      const hashed = m.kind === "ip_hash" || m.kind === "hash";
      this.#hash = hashed ? new HashSelector(this.servers) : null;
      this.#hashKey = m.kind === "hash" ? compileTemplate(m.key) : hashed ? CLIENT_IP_KEY : null;
      if (this.#leastConn) {
        // Requests already in flight count from the start.
        for (const [s, n] of this.#inFlight) for (let i = 0; i < n; i++) this.#leastConn.begin(s);
      }
    }
    if (
      !old || old.keepalive !== upstream.keepalive ||
      old.keepaliveTimeoutMs !== upstream.keepaliveTimeoutMs
    ) {
      for (const p of this.#pools.values()) p.close();
      for (const s of this.servers) {
        this.#pools.set(
          s,
          new IdlePool({ max: upstream.keepalive, idleTimeoutMs: upstream.keepaliveTimeoutMs }),
        );
      }
    }
    if (
      !old || JSON.stringify(old.healthCheck) !== JSON.stringify(upstream.healthCheck) ||
      old.sendProxyProtocol !== upstream.sendProxyProtocol
    ) {
      this.#checker?.stop();
      const hc = upstream.healthCheck;
      this.#checker = hc
        ? new ActiveHealthCheck(this.servers, {
          path: hc.path,
          intervalMs: hc.intervalMs,
          timeoutMs: hc.timeoutMs,
          health: this.#health,
          tls: upstream.tls ?? null,
          // Checks speak for us, not for a client: v2 LOCAL, or v1's UNKNOWN.
          preface: upstream.sendProxyProtocol === "v2"
            ? encodeLocalHeader()
            : upstream.sendProxyProtocol === "v1"
            ? new TextEncoder().encode("PROXY UNKNOWN\r\n")
            : undefined,
        })
        : null;
      this.#checker?.start();
    }
  }

  /**
   * Whether `server` may get requests: passive health says up and active checks (if any) too.
   * A lone server without active checks is always tried (as nginx does).
   */
  isUp(server: Server, now: number): boolean {
    if (this.#checker && !this.#checker.isUp(server)) return false;
    if (this.servers.length === 1 && !this.#checker) return true;
    return this.#health.get(server.addr).isUp(now);
  }

  /**
   * The server for a request, skipping `exclude` (servers already tried) and servers that are
   * down; undefined when none is left. `src` gives the hash key's variables.
   */
  select(src: VariableSource, exclude?: ReadonlySet<Server>): Server | undefined {
    if (this.servers.length === 1 && this.#checker === null) {
      // A lone server without active checks is always tried (see isUp): no balancing.
      const only = this.servers[0];
      return exclude?.has(only) ? undefined : only;
    }
    this.#now = Date.now();
    if (this.#roundRobin) return this.#roundRobin.next(exclude, this.#eligible);
    if (this.#leastConn) return this.#leastConn.next(exclude, this.#eligible);
    return this.#hash!.nextFor(this.#hashKey!.expand(src), exclude, this.#eligible);
  }

  /**
   * An idle pooled connection to `server`, or undefined. Counts a request in flight until
   * {@link release}.
   */
  takeIdle(server: Server): UpstreamConn | undefined {
    const c = this.#pools.get(server)?.take(Date.now());
    if (c !== undefined) this.#lease(c);
    return c;
  }

  /**
   * A new connection to `server` within `connectTimeoutMs`; throws `ConnectError`. Counts a
   * request in flight until {@link release}.
   */
  async connect(
    server: Server,
    connectTimeoutMs: number,
    client?: { readonly remote: Deno.NetAddr; readonly local: Deno.NetAddr },
  ): Promise<UpstreamConn> {
    const pp = this.#upstream.sendProxyProtocol;
    const preface = pp !== undefined && client !== undefined
      ? encodeProxyHeader(pp, client.remote, client.local)
      : undefined;
    const c = await UpstreamConn.open(
      server,
      connectTimeoutMs,
      this.#upstream.tls ?? null,
      preface,
    );
    this.#lease(c);
    return c;
  }

  #lease(c: UpstreamConn): void {
    c.leased = true;
    const s = c.server;
    this.#inFlight.set(s, (this.#inFlight.get(s) ?? 0) + 1);
    this.#leastConn?.begin(s);
  }

  /** Ends a request on `c`: back to the pool when `reusable`, else closed; once per lease. */
  release(c: UpstreamConn, reusable: boolean): void {
    if (!c.leased) return;
    c.leased = false;
    const s = c.server;
    this.#inFlight.set(s, Math.max(0, (this.#inFlight.get(s) ?? 1) - 1));
    this.#leastConn?.end(s);
    c.requests++;
    const pool = this.#pools.get(s);
    // A connection that began with one client's PROXY header is that client's alone.
    const mine = this.#upstream.sendProxyProtocol !== undefined;
    if (reusable && pool && !c.closed && !mine) pool.put(c, Date.now());
    else c.close();
  }

  /** Counts a failed connect or exchange against `server`'s passive health. */
  failed(server: Server): void {
    if (this.servers.length > 1) this.#health.get(server.addr).recordFailure(server);
  }

  /** A response arrived from `server`: its failure streak ends. */
  succeeded(server: Server): void {
    if (this.servers.length > 1) this.#health.get(server.addr).recordSuccess();
  }

  /** Stops active checks and closes idle connections (in-flight ones close when released). */
  async close(): Promise<void> {
    for (const p of this.#pools.values()) p.close();
    await this.#checker?.stop();
  }

  /** Each server's state, keyed by address. */
  status(): Record<string, UpstreamServerStatus> {
    const now = Date.now();
    const active = this.#checker?.snapshot() ?? null;
    const out: Record<string, UpstreamServerStatus> = {};
    for (const s of this.servers) {
      out[s.addr] = {
        up: this.isUp(s, now),
        passive: this.#health.get(s.addr).toJSON(),
        active: active ? { ...active[s.addr] } : null,
        active_requests: this.#inFlight.get(s) ?? 0,
        idle: this.#pools.get(s)?.size ?? 0,
      };
    }
    return out;
  }
}
