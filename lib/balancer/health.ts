/** Thresholds for one server's passive health. */
export interface HealthPolicy {
  /** Consecutive failures that mark the server down. */
  readonly fall_times: number;
  /** Seconds it stays down before it is tried again. */
  readonly fail_timeout: number;
}

/** What active checks found for one server, for `/status` and for other Workers. */
export interface ActiveServerState {
  /** Whether checks consider it up (true until `fall_times` checks fail in a row). */
  readonly up: boolean;
  /** Current streak of successful checks. */
  readonly successes: number;
  /** Current streak of failed checks. */
  readonly failures: number;
  /** Checks run. */
  readonly checks: number;
  /** Why the last failed check failed, or null. */
  readonly last_error: string | null;
}

/**
 * The part of a server's health other Workers need (structured-cloneable): when it may be
 * tried again, what active checks found, and when each was decided (the later decision wins).
 */
export interface SharedHealthState {
  /** Down until this time (ms since the epoch); 0 when up. */
  readonly downUntil: number;
  /** What active checks last found, or null when none ran. */
  readonly active: ActiveServerState | null;
  /** When `downUntil` was decided (ms since the epoch). */
  readonly at: number;
  /** When `active` was found (ms since the epoch). */
  readonly activeAt: number;
}

/** Told of each change another Worker must know: a server marked down, cleared, or checked. */
export type HealthChangeHook = (addr: string, state: SharedHealthState) => void;

/** Passive health of one upstream address: consecutive failures and when it may be tried again. */
export class ServerHealth {
  #fails = 0;
  #downUntil = 0;
  #totalFailures = 0;
  #active: ActiveServerState | null = null;
  #at = 0;
  #activeAt = 0;
  readonly #addr: string;
  readonly #changed: (() => HealthChangeHook | null) | null;

  /**
   * A record that starts up.
   * @param addr the server's address, named in change notices
   * @param changed the hook to tell of changes, looked up at each change
   */
  constructor(addr = "", changed: (() => HealthChangeHook | null) | null = null) {
    this.#addr = addr;
    this.#changed = changed;
  }

  /** Whether the server may be given new connections at `now` (ms since the epoch). */
  isUp(now: number = Date.now()): boolean {
    return now >= this.#downUntil;
  }

  /** What active checks last found (here or, through a link, in main), or null. */
  get active(): ActiveServerState | null {
    return this.#active;
  }

  /** Counts a failed connect; after `fall_times` in a row the server is down for `fail_timeout`. */
  recordFailure(policy: HealthPolicy, now: number = Date.now()): void {
    this.#totalFailures++;
    this.#fails++;
    if (this.#fails >= policy.fall_times) {
      this.#fails = 0;
      this.#downUntil = now + policy.fail_timeout * 1000;
      this.#at = Math.max(now, this.#at);
      this.#notify();
    }
  }

  /** A successful connect clears the failure streak. */
  recordSuccess(): void {
    this.#fails = 0;
    if (this.#downUntil === 0) return;
    this.#downUntil = 0;
    this.#at = Math.max(Date.now(), this.#at);
    this.#notify();
  }

  /** Records what an active check found (the checker calls this after each check). */
  recordActive(state: ActiveServerState): void {
    this.#active = state;
    this.#activeAt = Math.max(Date.now(), this.#activeAt);
    this.#notify();
  }

  /** The state other Workers need. */
  shared(): SharedHealthState {
    return {
      downUntil: this.#downUntil,
      active: this.#active,
      at: this.#at,
      activeAt: this.#activeAt,
    };
  }

  /**
   * Takes a state decided in another Worker, each part (down or up, active result) unless one
   * decided later is known here; tells no hook (it came from one). A change of up or down
   * ends the local failure streak. Returns whether any part was taken.
   */
  applyRemote(state: SharedHealthState): boolean {
    let taken = false;
    if (state.at >= this.#at) {
      this.#at = state.at;
      if (state.downUntil !== this.#downUntil) this.#fails = 0;
      this.#downUntil = state.downUntil;
      taken = true;
    }
    if (state.activeAt >= this.#activeAt && state.activeAt > 0) {
      this.#activeAt = state.activeAt;
      this.#active = state.active;
      taken = true;
    }
    return taken;
  }

  #notify(): void {
    this.#changed?.()?.(this.#addr, this.shared());
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
 * keeps an address keeps what is known about it. With Workers, a link
 * (lib/shared_state/health_link.ts) sets {@link onChange} and {@link followsActive} and
 * feeds {@link applyRemote}, so every Worker sees the same servers down.
 */
export class HealthRegistry {
  #byAddr = new Map<string, ServerHealth>();
  readonly #hook = (): HealthChangeHook | null => this.onChange;

  /** Told of every change another Worker must know; null (the default) when alone. */
  onChange: HealthChangeHook | null = null;

  /**
   * True in a Worker whose active checks run elsewhere (in main): checkers given this registry
   * then send no checks and take the results that arrive through {@link applyRemote}.
   */
  followsActive = false;

  /** The health record of `addr`, created on first use. */
  get(addr: string): ServerHealth {
    let h = this.#byAddr.get(addr);
    if (!h) {
      h = new ServerHealth(addr, this.#hook);
      this.#byAddr.set(addr, h);
    }
    return h;
  }

  /** Takes `addr`'s state decided in another Worker (see {@link ServerHealth.applyRemote}). */
  applyRemote(addr: string, state: SharedHealthState): boolean {
    return this.get(addr).applyRemote(state);
  }

  /** Every address known, with the state other Workers need (for a newly linked Worker). */
  *entries(): IterableIterator<[string, SharedHealthState]> {
    for (const [addr, h] of this.#byAddr) yield [addr, h.shared()];
  }

  /** Forgets addresses no longer used by any upstream. */
  retain(addrs: Iterable<string>): void {
    const keep = new Set(addrs);
    for (const addr of [...this.#byAddr.keys()]) if (!keep.has(addr)) this.#byAddr.delete(addr);
  }
}
