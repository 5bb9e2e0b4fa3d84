import { startTimer, stopTimer, type Timer } from "../../net/timer.ts";

/** Why a {@link Watchdog} fired. */
export type WatchKind = "head" | "idle" | "stall";

/**
 * One timer per client connection, in one of three modes: a deadline for a request head, an
 * idle limit while waiting for the next request, and a stall check (no byte read for a
 * period) while a request is being served. Cheap on hot paths: the stall check polls a
 * counter instead of resetting a timer on every read.
 */
export class Watchdog {
  #timer: Timer;
  #fired: WatchKind | null = null;
  readonly #onFire: (kind: WatchKind) => void;

  /** @param onFire called once, when a limit passes */
  constructor(onFire: (kind: WatchKind) => void) {
    this.#onFire = onFire;
  }

  /** What fired, or null. */
  get fired(): WatchKind | null {
    return this.#fired;
  }

  /** Fires `kind` after `ms` milliseconds unless cleared or re-armed first; 0 = never. */
  deadline(kind: "head" | "idle", ms: number): void {
    this.clear();
    if (ms > 0) this.#timer = startTimer(() => this.#fire(kind), ms);
  }

  /** Fires `stall` when `progress()` has not changed over a whole `ms` period; 0 = never. */
  stall(ms: number, progress: () => number): void {
    this.clear();
    if (ms <= 0) return;
    let seen = progress();
    const check = () => {
      const now = progress();
      if (now === seen) {
        this.#fire("stall");
        return;
      }
      seen = now;
      this.#timer = startTimer(check, ms);
    };
    this.#timer = startTimer(check, ms);
  }

  /** Stops the timer. */
  clear(): void {
    stopTimer(this.#timer);
    this.#timer = undefined;
  }

  #fire(kind: WatchKind): void {
    this.#timer = undefined;
    if (this.#fired) return;
    this.#fired = kind;
    this.#onFire(kind);
  }
}
