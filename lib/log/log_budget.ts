/**
 * A budget for a log line that a flood could repeat (a refusal per connection): at most one
 * line per interval, the ones skipped in between counted and told with the next line.
 * @module
 */

/** At most one line per `intervalMs`; see {@link LogBudget.take}. */
export class LogBudget {
  readonly #intervalMs: number;
  #nextAt = -Infinity;
  #skipped = 0;

  /** @param intervalMs the shortest time between two lines */
  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
  }

  /**
   * Whether to log now: null when the budget is spent (the line is counted as skipped),
   * otherwise how many were skipped since the last line logged.
   */
  take(now: number = performance.now()): number | null {
    if (now < this.#nextAt) {
      this.#skipped++;
      return null;
    }
    this.#nextAt = now + this.#intervalMs;
    const skipped = this.#skipped;
    this.#skipped = 0;
    return skipped;
  }
}
