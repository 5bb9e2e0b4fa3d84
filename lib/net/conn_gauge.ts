/**
 * The number of client connections open in the whole process, and its high-water mark since
 * last asked: what tells the memory release (lib/server/memory_release.ts) that a burst of
 * connections has come and gone, however briefly. Every {@link ConnTracker} reports to it. Also
 * what the isolate has served, for a worker's `worker_max_requests`. The state is per isolate:
 * each worker has its own.
 * @module
 */

let open = 0;
let peak = 0;
/** Connections accepted plus further requests on kept-alive HTTP connections. */
let served = 0;
let servedLimit = Infinity;
let onServedLimit: (() => void) | undefined;

/** One client connection more (called by `ConnTracker.add`). */
export function clientOpened(): void {
  if (++open > peak) peak = open;
  if (++served === servedLimit) onServedLimit?.();
}

/**
 * A client connection handed on to be counted again under a wrapper (called by
 * `ConnTracker.handOn`): takes back what {@link clientOpened} counted for it.
 */
export function clientHandedOn(): void {
  open--;
  served--;
}

/**
 * One more request on a kept-alive HTTP connection (its first request counts with the
 * connection): what a recycled worker's `worker_max_requests` counts, with the connections.
 */
export function requestServed(): void {
  if (++served === servedLimit) onServedLimit?.();
}

/** Connections accepted plus further requests on kept-alive connections, in this isolate. */
export function servedCount(): number {
  return served;
}

/**
 * Calls `fn` once when {@link servedCount} reaches `limit` (at once if it has already);
 * replaces the previous call; `Infinity` removes it.
 */
export function whenServed(limit: number, fn: () => void): void {
  servedLimit = limit;
  onServedLimit = fn;
  if (served >= limit) {
    servedLimit = Infinity;
    fn();
  }
}

/** One client connection less (called by `ConnTracker.delete`). */
export function clientClosed(): void {
  open--;
}

/** Client connections open now in the process. */
export function openClients(): number {
  return open;
}

/** The most client connections open at once since the last call (or start); resets the mark. */
export function takeClientPeak(): number {
  const p = peak;
  peak = open;
  return p;
}
