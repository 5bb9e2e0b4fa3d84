import { copyBody } from "../body_copy.ts";
import { HttpError } from "../errors.ts";
import type { ExchangeContext, ExchangeHooks, ExchangeUpstream } from "./hooks.ts";

/** The request body being copied upstream while the response is awaited. */
export class BodyTask {
  /** The body went upstream in full. */
  done: boolean;
  /** Why the copy failed: an `HttpError` when the client broke its body, else a write error. */
  error: unknown = undefined;
  /** Settles (never rejects) when the copy ends. */
  promise: Promise<void> = Promise.resolve();

  constructor(done: boolean) {
    this.done = done;
  }
}

/** The task of a request whose body went with its head (or that has none). */
export const BODY_SENT: BodyTask = Object.freeze(new BodyTask(true)) as BodyTask;

/** Starts copying the rest of the request body from the client to `up`. */
export function startBody<X extends ExchangeContext, U extends ExchangeUpstream>(
  hooks: ExchangeHooks<X, U>,
  x: X,
  up: U,
): BodyTask {
  const task = new BodyTask(false);
  task.promise = copyRequestBody(task, hooks, x, up);
  return task;
}

async function copyRequestBody<X extends ExchangeContext, U extends ExchangeUpstream>(
  task: BodyTask,
  hooks: ExchangeHooks<X, U>,
  x: X,
  up: U,
): Promise<void> {
  try {
    await copyBody(x.client.reader, up.conn, { length: x.head.body });
  } catch (e) {
    task.error = e;
    // The client broke its body: stop waiting for a response to it.
    if (e instanceof HttpError) up.abort();
    return;
  }
  task.done = true;
  hooks.bodyCopied(x);
}
