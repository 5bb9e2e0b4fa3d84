/**
 * A real Deno Worker running `shared_worker.ts`, driven by requests, for tests of the state
 * Workers share.
 * @module
 */
import type { SharedWorkerRequest } from "./shared_worker.ts";

/** One Worker and a request/answer channel to it. */
export class SharedPeer {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, PromiseWithResolvers<unknown>>();
  #next = 0;

  constructor() {
    this.#worker = new Worker(new URL("./shared_worker.ts", import.meta.url).href, {
      type: "module",
    });
    this.#worker.onmessage = (e: MessageEvent<{ id: number; value?: unknown; error?: string }>) => {
      const w = this.#waiting.get(e.data.id);
      this.#waiting.delete(e.data.id);
      if (e.data.error !== undefined) w?.reject(new Error(e.data.error));
      else w?.resolve(e.data.value);
    };
  }

  /** Sends `request` and resolves with the Worker's answer. */
  ask<T = unknown>(request: SharedWorkerRequest): Promise<T> {
    const id = this.#next++;
    const w = Promise.withResolvers<unknown>();
    this.#waiting.set(id, w);
    this.#worker.postMessage({ id, request });
    return w.promise as Promise<T>;
  }

  /** Ends the Worker. */
  close(): void {
    this.#worker.terminate();
    for (const w of this.#waiting.values()) w.reject(new Error("worker closed"));
  }
}
