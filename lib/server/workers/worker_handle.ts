/**
 * One worker isolate as the main isolate sees it: start it, ask it things (one reply per
 * request), learn when it dies.
 * @module
 */
import type { WorkerInit, WorkerReply, WorkerRequest } from "./protocol.ts";

/** A worker answered a request with an error (its name and message survive the boundary). */
export class WorkerRequestError extends Error {
  /** The worker's number. */
  readonly worker: number;
  /** The error's name in the worker, e.g. `BindError`. */
  readonly kind: string;

  constructor(worker: number, kind: string, message: string) {
    super(message);
    this.name = "WorkerRequestError";
    this.worker = worker;
    this.kind = kind;
  }
}

/** Omit the `seq` of a request: the handle numbers them. */
type Ask = WorkerRequest extends infer R ? R extends unknown ? Omit<R, "seq"> : never : never;

/** A running worker isolate. */
export class WorkerHandle {
  /** The worker's number. */
  readonly id: number;
  readonly #worker: Worker;
  #seq = 0;
  #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #dead: Error | null = null;
  /** Called once if the worker dies of an uncaught error. */
  onDeath: ((error: Error) => void) | null = null;
  /** Called when the worker asks to be recycled, with the limit it passed. */
  onRecycle: ((reason: string) => void) | null = null;

  private constructor(id: number) {
    this.id = id;
    this.#worker = new Worker(new URL("./worker_main.ts", import.meta.url), {
      type: "module",
      name: `wmproxy worker ${id}`,
      // Permissions: a worker inherits the main isolate's by default (the explicit
      // `deno.permissions` option needs --unstable-worker-options).
    });
    this.#worker.onmessage = (e: MessageEvent) => this.#settle(e.data as WorkerReply);
    this.#worker.onerror = (e: ErrorEvent) => {
      // Handled here: an uncaught error in a worker must not end the process.
      e.preventDefault();
      this.#die(new Error(e.message || "uncaught error"));
    };
    this.#worker.onmessageerror = () => this.#die(new Error("a message could not be read"));
  }

  /** Starts a worker and resolves once it is ready for its first generation. */
  static async start(init: Omit<WorkerInit, "type">): Promise<WorkerHandle> {
    const handle = new WorkerHandle(init.id);
    const ready = new Promise<unknown>((resolve, reject) => {
      handle.#pending.set(0, { resolve, reject });
    });
    handle.#worker.postMessage({ type: "init", ...init } satisfies WorkerInit);
    try {
      await ready;
    } catch (e) {
      handle.terminate();
      throw e;
    }
    return handle;
  }

  /** Whether the worker has died. */
  get dead(): boolean {
    return this.#dead !== null;
  }

  /** Sends a request; resolves with the worker's answer, rejects with its error or its death. */
  ask<T = unknown>(request: Ask): Promise<T> {
    if (this.#dead) return Promise.reject(this.#dead);
    const seq = ++this.#seq;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(seq, { resolve: resolve as (v: unknown) => void, reject });
      this.#worker.postMessage({ ...request, seq });
    });
  }

  /** Ends the isolate at once (its sockets close with it). */
  terminate(): void {
    this.#worker.terminate();
    this.#fail(new Error(`worker ${this.id} was terminated`));
  }

  #settle(r: WorkerReply): void {
    if ("recycle" in r) return this.onRecycle?.(r.recycle);
    if (r.seq === -1 && !r.ok) return this.#die(new Error(r.error.message));
    const p = this.#pending.get(r.seq);
    if (!p) return;
    this.#pending.delete(r.seq);
    if (r.ok) p.resolve(r.value);
    else {
      p.reject(
        new WorkerRequestError(this.id, r.error.name, `worker ${this.id}: ${r.error.message}`),
      );
    }
  }

  #die(error: Error): void {
    if (this.#dead) return;
    this.#worker.terminate();
    this.#fail(error);
    this.onDeath?.(error);
  }

  #fail(error: Error): void {
    this.#dead ??= error;
    for (const p of this.#pending.values()) p.reject(error);
    this.#pending.clear();
  }
}
