import type { Selector, Weighted } from "./selector.ts";

/**
 * Weighted least connections (as nginx's `least_conn`): picks the server with the fewest
 * requests in flight relative to its weight (`active / weight`); servers tied for the least
 * take turns by smooth weighted round-robin, so an idle upstream is still shared by weight.
 * The caller reports each request's start and end with {@link begin} and {@link end}.
 */
export class LeastConnSelector<T extends Weighted> implements Selector<T> {
  /** The servers picked from, fixed for the selector's life. */
  readonly servers: readonly T[];
  readonly #active: number[];
  readonly #current: number[];
  readonly #index = new Map<T, number>();

  /** Creates a selector over `servers`, which it does not copy. */
  constructor(servers: readonly T[]) {
    this.servers = servers;
    this.#active = servers.map(() => 0);
    this.#current = servers.map(() => 0);
    servers.forEach((s, i) => this.#index.set(s, i));
  }

  next(exclude?: ReadonlySet<T>, eligible?: (server: T) => boolean): T | undefined {
    const servers = this.servers;
    const active = this.#active;
    // First pass: the least active/weight ratio (compared by cross-multiplying).
    let least = -1;
    for (let i = 0; i < servers.length; i++) {
      const s = servers[i];
      if (s.weight <= 0 || exclude?.has(s) || (eligible && !eligible(s))) continue;
      if (least < 0 || active[i] * servers[least].weight < active[least] * s.weight) least = i;
    }
    if (least < 0) return undefined;
    // Second pass: smooth weighted round-robin among the servers tied with it.
    const current = this.#current;
    let best = -1;
    let total = 0;
    for (let i = least; i < servers.length; i++) {
      const s = servers[i];
      if (s.weight <= 0 || exclude?.has(s) || (eligible && !eligible(s))) continue;
      if (active[i] * servers[least].weight !== active[least] * s.weight) continue;
      current[i] += s.weight;
      total += s.weight;
      if (best < 0 || current[i] > current[best]) best = i;
    }
    current[best] -= total;
    return servers[best];
  }

  /** A request started on `server`. */
  begin(server: T): void {
    const i = this.#index.get(server);
    if (i !== undefined) this.#active[i]++;
  }

  /** A request on `server` ended (however it ended). */
  end(server: T): void {
    const i = this.#index.get(server);
    if (i !== undefined && this.#active[i] > 0) this.#active[i]--;
  }

  /** Requests in flight on `server`. */
  active(server: T): number {
    const i = this.#index.get(server);
    return i === undefined ? 0 : this.#active[i];
  }
}
