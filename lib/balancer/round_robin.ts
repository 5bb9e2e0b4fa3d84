import type { Selector, Weighted } from "./selector.ts";

/**
 * Smooth weighted round-robin (as nginx does it): over any window of `sum(weights)` picks,
 * each server is chosen `weight` times, spread out rather than in runs.
 */
export class RoundRobinSelector<T extends Weighted> implements Selector<T> {
  /** The servers picked from, fixed for the selector's life. */
  readonly servers: readonly T[];
  #current: number[];

  /** Creates a selector over `servers`, which it does not copy. */
  constructor(servers: readonly T[]) {
    this.servers = servers;
    this.#current = servers.map(() => 0);
  }

  next(exclude?: ReadonlySet<T>, eligible?: (server: T) => boolean): T | undefined {
    let best = -1;
    let total = 0;
    for (let i = 0; i < this.servers.length; i++) {
      const s = this.servers[i];
      if (exclude?.has(s) || (eligible && !eligible(s))) continue;
      this.#current[i] += s.weight;
      total += s.weight;
      if (best < 0 || this.#current[i] > this.#current[best]) best = i;
    }
    if (best < 0) return undefined;
    this.#current[best] -= total;
    return this.servers[best];
  }
}
