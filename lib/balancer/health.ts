/** Thresholds for one server's passive health. */
export interface HealthPolicy {
  /** Consecutive failures that mark the server down. */
  readonly fall_times: number;
  /** Seconds it stays down before it is tried again. */
  readonly fail_timeout: number;
}

/** Passive health of one upstream address: consecutive failures and when it may be tried again. */
export class ServerHealth {
  #fails = 0;
  #downUntil = 0;
  #totalFailures = 0;

  /** Whether the server may be given new connections at `now` (ms since the epoch). */
  isUp(now: number = Date.now()): boolean {
    return now >= this.#downUntil;
  }

  /** Counts a failed connect; after `fall_times` in a row the server is down for `fail_timeout`. */
  recordFailure(policy: HealthPolicy, now: number = Date.now()): void {
    this.#totalFailures++;
    this.#fails++;
    if (this.#fails >= policy.fall_times) {
      this.#fails = 0;
      this.#downUntil = now + policy.fail_timeout * 1000;
    }
  }

  /** A successful connect clears the failure streak. */
  recordSuccess(): void {
    this.#fails = 0;
    this.#downUntil = 0;
  }

  /** A snapshot for `/status`. */
  toJSON(): { up: boolean; fails: number; down_until: string | null; failures: number } {
    const up = this.isUp();
    return {
      up,
      fails: this.#fails,
      down_until: up ? null : new Date(this.#downUntil).toISOString(),
      failures: this.#totalFailures,
    };
  }
}

/**
 * Health state keyed by upstream address, shared by every generation so that a reload that
 * keeps an address keeps what is known about it.
 */
export class HealthRegistry {
  #byAddr = new Map<string, ServerHealth>();

  /** The health record of `addr`, created on first use. */
  get(addr: string): ServerHealth {
    let h = this.#byAddr.get(addr);
    if (!h) {
      h = new ServerHealth();
      this.#byAddr.set(addr, h);
    }
    return h;
  }

  /** Forgets addresses no longer used by any upstream. */
  retain(addrs: Iterable<string>): void {
    const keep = new Set(addrs);
    for (const addr of [...this.#byAddr.keys()]) if (!keep.has(addr)) this.#byAddr.delete(addr);
  }
}
