/**
 * The seam for state shared between isolates (global `limit_req` zones, upstream health):
 * created once in the main isolate, handed to each worker in its init message, adopted by the
 * worker before its first generation.
 * @module
 */

/** State the main isolate shares with its workers. */
export interface SharedStateHooks {
  /** Main isolate: what each worker gets at start (structured-cloneable, e.g. SharedArrayBuffers). */
  exportForWorker(): unknown;
  /** Worker: adopts what the main isolate exported, before it applies a generation. */
  importInWorker(data: unknown): void;
}

/**
 * The one place shared state is made, in the main isolate and in each worker alike.
 *
 * TODO(lib/workers/shared): return the hooks of lib/workers/shared (limit_req zones over a
 * SharedArrayBuffer, passive/active health over a BroadcastChannel). Until then nothing is
 * shared: each worker keeps its own `limit_req` counters and its own upstream health.
 */
export function sharedStateHooks(): SharedStateHooks {
  return {
    exportForWorker: () => undefined,
    importInWorker: () => {},
  };
}
