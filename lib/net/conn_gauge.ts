/**
 * The number of client connections open in the whole process, and its high-water mark since
 * last asked: what tells the memory release (lib/server/memory_release.ts) that a burst of
 * connections has come and gone, however briefly. Every {@link ConnTracker} reports to it.
 * @module
 */

let open = 0;
let peak = 0;

/** One client connection more (called by `ConnTracker.add`). */
export function clientOpened(): void {
  if (++open > peak) peak = open;
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
