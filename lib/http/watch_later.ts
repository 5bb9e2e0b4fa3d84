/**
 * Starts idle watches (`HttpReader.watch`) late, in batches: a read that waits on a
 * socket with nothing to read costs about 1 µs more than one issued when the bytes are
 * already there (it must be registered with the poller and woken), and a busy pooled
 * connection or a quick exchange is over long before. One timer for the process, running
 * only while something waits, starts the watch of whatever waited a whole period: between
 * one and two periods after {@link watchLater}.
 * @module
 */
import { startInterval, stopTimer, type Timer } from "../net/timer.ts";

/** Something that starts watching its idle connection when asked. */
export interface LateWatch {
  /** Starts the watch now (the wait is over and {@link cancelWatch} did not come). */
  startWatch(): void;
}

/** Period of the batch timer in ms: a watch starts 50 to 100 ms after it was asked for. */
export const WATCH_PERIOD_MS = 50;

let fresh = new Set<LateWatch>();
let due = new Set<LateWatch>();
let timer: Timer = undefined;

/** Calls `w.startWatch()` in one to two periods, unless {@link cancelWatch} comes first. */
export function watchLater(w: LateWatch): void {
  fresh.add(w);
  timer ??= startInterval(tick, WATCH_PERIOD_MS);
}

/** Forgets `w` (its connection was taken or closed); nothing happens if it is not waiting. */
export function cancelWatch(w: LateWatch): void {
  if (!fresh.delete(w)) due.delete(w);
  if (fresh.size === 0 && due.size === 0) stop();
}

function tick(): void {
  const ready = due;
  due = fresh;
  fresh = new Set();
  for (const w of ready) w.startWatch();
  if (fresh.size === 0 && due.size === 0) stop();
}

function stop(): void {
  stopTimer(timer);
  timer = undefined;
}
