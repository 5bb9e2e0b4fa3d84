/**
 * Reconnect delays: exponential from `minMs` to `maxMs`, doubled per failure in a row, with
 * jitter so clients cut off together do not come back together.
 * @module
 */

/** Delay bounds of a {@link Backoff}. */
export interface BackoffOptions {
  readonly minMs: number;
  readonly maxMs: number;
}

/** A session that lived this long resets the failure count, ms. */
export const HEALTHY_SESSION_MS = 10_000;

/** Failures in a row and the delay before the next attempt. */
export class Backoff {
  #failures = 0;
  readonly #options: BackoffOptions;
  readonly #random: () => number;

  constructor(options: BackoffOptions, random: () => number = Math.random) {
    this.#options = options;
    this.#random = random;
  }

  /** The delay before the next attempt after another failure, ms (±20 % jitter, within bounds). */
  next(): number {
    const { minMs, maxMs } = this.#options;
    const base = Math.min(maxMs, minMs * 2 ** Math.min(this.#failures, 30));
    this.#failures++;
    return this.#jitter(base);
  }

  /**
   * The delay after another failure to even connect (the server is down or restarting): as
   * {@link next} but at most `capMs`, so a server that comes back is found within about `capMs`
   * however long it was away. Attempts that connect and then fail back off up to `maxMs`.
   */
  nextProbe(capMs: number): number {
    const { minMs, maxMs } = this.#options;
    const cap = Math.max(minMs, Math.min(capMs, maxMs));
    const base = Math.min(cap, minMs * 2 ** Math.min(this.#failures, 30));
    this.#failures++;
    return Math.round(Math.max(minMs, Math.min(cap, base * (0.8 + 0.4 * this.#random()))));
  }

  /** The longest delay (after a refusal that retrying soon would not change), with jitter. */
  longest(): number {
    this.#failures++;
    return this.#jitter(this.#options.maxMs);
  }

  /** A session went well: the next failure starts from `minMs` again. */
  reset(): void {
    this.#failures = 0;
  }

  #jitter(base: number): number {
    const { minMs, maxMs } = this.#options;
    const value = base * (0.8 + 0.4 * this.#random());
    return Math.round(Math.max(minMs, Math.min(maxMs, value)));
  }
}
