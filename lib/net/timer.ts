/**
 * Per-connection timers (handshake deadlines, connect limits, idle checks) that are nearly
 * always cancelled before they fire.
 *
 * Deno 2.9's global `setTimeout` wraps the runtime's timer list in a Node.js `Timeout` object
 * (with an async id and async-context capture): about 1.5 µs per set + clear when hot, and
 * 10–13 µs per proxied connection in CPU profiles of the forward proxy, which sets three or
 * four. The runtime's own `createTimer`/`cancelTimer` cost about 0.25 µs. They are internal
 * API (Deno 2.x): when either is missing, the public timers are used (re-measure when
 * upgrading Deno).
 * @module
 */

/** A timer from {@link startTimer} or {@link startInterval}. */
export type Timer = { readonly __timer: unique symbol } | undefined;

interface CoreTimers {
  createTimer(
    callback: () => void,
    ms: number,
    args: undefined,
    repeat: boolean,
    refed: boolean,
  ): unknown;
  cancelTimer(timer: unknown): void;
}

const core = findCoreTimers();

function findCoreTimers(): CoreTimers | undefined {
  const internal = Reflect.get(Deno, "internal");
  const core = typeof internal === "symbol" ? Reflect.get(Deno, internal)?.core : undefined;
  return typeof core?.createTimer === "function" && typeof core?.cancelTimer === "function"
    ? core
    : undefined;
}

/** Calls `callback` once after `ms` milliseconds, unless {@link stopTimer} comes first. */
export function startTimer(callback: () => void, ms: number): Timer {
  return (core
    ? core.createTimer(callback, ms, undefined, false, true)
    : setTimeout(callback, ms)) as Timer;
}

/** Calls `callback` every `ms` milliseconds until {@link stopTimer}. */
export function startInterval(callback: () => void, ms: number): Timer {
  return (core
    ? core.createTimer(callback, ms, undefined, true, true)
    : setInterval(callback, ms)) as Timer;
}

/** Stops a timer; does nothing for one that fired, was stopped, or is undefined. */
export function stopTimer(timer: Timer): void {
  if (timer === undefined) return;
  if (core) core.cancelTimer(timer);
  else clearTimeout(timer as unknown as number);
}
