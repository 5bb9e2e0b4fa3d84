import type { HealthPolicy, HealthRegistry } from "./health.ts";
import { RoundRobinSelector } from "./round_robin.ts";
import type { Weighted } from "./selector.ts";

/** A server {@link Failover} picks from: an address (the health key), a weight, a health policy. */
export interface FailoverServer extends Weighted, HealthPolicy {
  /** `host:port`: the key of its passive health. */
  readonly addr: string;
}

/** What {@link Failover.attempt} reports of a failed try. */
export interface FailedAttempt<S> {
  /** The server that failed. */
  readonly server: S;
  /** What the try threw. */
  readonly error: unknown;
  /** Whether another server will be tried. */
  readonly more: boolean;
}

/** Options for {@link Failover.attempt}. */
export interface AttemptOptions<S> {
  /** Whether an error counts as the server failing (anything else is rethrown). */
  readonly isFailure: (error: unknown) => boolean;
  /** Called after each failed try (to log it). @default none */
  readonly onFailure?: (failed: FailedAttempt<S>) => void;
}

/**
 * Weighted round-robin over an immutable server list with passive health and failover: a try
 * that fails moves on to the next server before the caller gives up, servers marked down are
 * skipped while any is up (and all are tried when none is, as one may have come back), and a lone
 * server is never marked down (as nginx does). Built once per server list; health lives in the
 * shared {@link HealthRegistry}, so it survives reloads.
 */
export class Failover<S extends FailoverServer> {
  /** The servers, in config order. */
  readonly servers: readonly S[];
  readonly #selector: RoundRobinSelector<S>;
  readonly #health: HealthRegistry;

  /**
   * @param servers the servers to balance over
   * @param health passive health, keyed by address
   */
  constructor(servers: readonly S[], health: HealthRegistry) {
    this.servers = servers;
    this.#selector = new RoundRobinSelector(servers);
    this.#health = health;
  }

  /** This balancer if `servers` is the same list (by content), else a new one. */
  withServers(servers: readonly S[]): Failover<S> {
    return JSON.stringify(servers) === JSON.stringify(this.servers)
      ? this
      : new Failover(servers, this.#health);
  }

  /** Health of each server, for `/status`. */
  status(): Record<string, unknown> {
    return Object.fromEntries(
      this.servers.map((s) => [s.addr, this.#health.get(s.addr).toJSON()]),
    );
  }

  /**
   * Runs `attempt` on servers in balancing order until one succeeds; returns its value and
   * server, or undefined when every server failed. A failure (per `options.isFailure`) is
   * recorded against the server's health; any other error is rethrown.
   */
  async attempt<T>(
    attempt: (server: S) => Promise<T>,
    options: AttemptOptions<S>,
  ): Promise<{ value: T; server: S } | undefined> {
    const servers = this.servers;
    const single = servers.length === 1;
    const now = Date.now();
    const tried = new Set<S>();
    const isUp = (s: S) => single || this.#health.get(s.addr).isUp(now);
    const anyUp = servers.some(isUp);
    let server = this.#selector.next(tried, anyUp ? isUp : undefined);
    while (server) {
      tried.add(server);
      const health = this.#health.get(server.addr);
      try {
        const value = await attempt(server);
        health.recordSuccess();
        return { value, server };
      } catch (error) {
        if (!options.isFailure(error)) throw error;
        if (!single) health.recordFailure(server);
        options.onFailure?.({ server, error, more: tried.size < servers.length });
      }
      server = this.#selector.next(tried, anyUp ? isUp : undefined) ??
        (anyUp ? this.#selector.next(tried) : undefined);
    }
    return undefined;
  }
}
