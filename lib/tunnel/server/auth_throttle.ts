/**
 * Slows down repeated failed logins from one address: after `freeFailures` failures within
 * `windowMs`, each further attempt from that address waits `delayMs` (doubling per failure, up
 * to `maxDelayMs`) before its credentials are even checked. A success clears the address. The
 * table holds at most `maxAddresses` entries (the oldest go first), so a flood of addresses
 * costs bounded memory.
 * @module
 */

/** Settings of an {@link AuthThrottle}. */
export interface AuthThrottleOptions {
  /** Failures allowed per window before attempts are delayed. @default 3 */
  readonly freeFailures?: number;
  /** Window over which failures count. @default 60000 */
  readonly windowMs?: number;
  /** First delay once over the free failures. @default 500 */
  readonly delayMs?: number;
  /** Longest delay. @default 10000 */
  readonly maxDelayMs?: number;
  /** Addresses remembered at most. @default 10000 */
  readonly maxAddresses?: number;
  /** The clock (tests). @default Date.now */
  readonly now?: () => number;
}

interface Entry {
  failures: number;
  since: number;
}

/** Failed-login bookkeeping per client address. */
export class AuthThrottle {
  readonly #free: number;
  readonly #window: number;
  readonly #delay: number;
  readonly #maxDelay: number;
  readonly #max: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();

  constructor(options: AuthThrottleOptions = {}) {
    this.#free = options.freeFailures ?? 3;
    this.#window = options.windowMs ?? 60_000;
    this.#delay = options.delayMs ?? 500;
    this.#maxDelay = options.maxDelayMs ?? 10_000;
    this.#max = options.maxAddresses ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** Milliseconds an attempt from `address` must wait before its credentials are checked. */
  delayFor(address: string): number {
    const entry = this.#current(address);
    if (entry === undefined || entry.failures < this.#free) return 0;
    const over = entry.failures - this.#free;
    return Math.min(this.#maxDelay, this.#delay * 2 ** Math.min(over, 30));
  }

  /** Records a failed attempt from `address`. */
  failed(address: string): void {
    const entry = this.#current(address);
    if (entry !== undefined) {
      entry.failures++;
      // Refresh its place: the oldest entries are the ones dropped when full.
      this.#entries.delete(address);
      this.#entries.set(address, entry);
      return;
    }
    if (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(address, { failures: 1, since: this.#now() });
  }

  /** A successful login: `address` starts clean. */
  succeeded(address: string): void {
    this.#entries.delete(address);
  }

  /** Addresses remembered now. */
  get size(): number {
    return this.#entries.size;
  }

  #current(address: string): Entry | undefined {
    const entry = this.#entries.get(address);
    if (entry === undefined) return undefined;
    if (this.#now() - entry.since > this.#window) {
      this.#entries.delete(address);
      return undefined;
    }
    return entry;
  }
}
