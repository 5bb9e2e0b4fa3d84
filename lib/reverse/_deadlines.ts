import { startInterval, stopTimer, type Timer } from "../net/timer.ts";

/** Something with a deadline the sweeper checks. */
export interface Timed {
  /** When to call {@link expire}, in ms since the epoch; 0 = no deadline. */
  deadline: number;
  /** Called on a sweep once `now >= deadline`; it may set a later deadline (stall checks). */
  expire(now: number): void;
}

/**
 * Enforces the deadlines of many connections with one interval timer instead of a timer per
 * wait: a deadline is a number written on the connection (no timer created or cleared per
 * request); every `tick` ms the sweeper calls those that passed. Deadlines therefore fire up
 * to one tick late. The timer runs only while something is registered.
 */
export class DeadlineSweeper {
  readonly #items = new Set<Timed>();
  #timer: Timer = undefined;
  #tick: number;

  /** @param tickMs how often deadlines are checked */
  constructor(tickMs: number) {
    this.#tick = tickMs;
  }

  /** Sets the period; applies from the next start of the timer or at once if running. */
  setTick(ms: number): void {
    if (ms === this.#tick) return;
    this.#tick = ms;
    if (this.#timer !== undefined) {
      stopTimer(this.#timer);
      this.#timer = startInterval(() => this.#sweep(), this.#tick);
    }
  }

  /** Starts watching `item`. */
  add(item: Timed): void {
    this.#items.add(item);
    this.#timer ??= startInterval(() => this.#sweep(), this.#tick);
  }

  /** Stops watching `item`. */
  delete(item: Timed): void {
    this.#items.delete(item);
    if (this.#items.size === 0 && this.#timer !== undefined) {
      stopTimer(this.#timer);
      this.#timer = undefined;
    }
  }

  #sweep(): void {
    const now = Date.now();
    for (const item of this.#items) {
      if (item.deadline !== 0 && now >= item.deadline) item.expire(now);
    }
  }
}

/** The sweep period for timeouts as short as `shortestMs`: a tenth of it, 10..250 ms. */
export function tickFor(shortestMs: number): number {
  return Math.min(250, Math.max(10, Math.floor(shortestMs / 10)));
}
