/**
 * Turns a throwing async call into a value, so one failing side never stops a case.
 * @module
 */

/** The outcome of `attempt`: the value, or the error's message. */
export type Attempt<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Runs `fn` and captures its result or its error message.
 * @param fn the work to try
 * @returns `{ ok: true, value }` or `{ ok: false, error }`
 */
export async function attempt<T>(fn: () => Promise<T>): Promise<Attempt<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, error: errorMessage(error) };
  }
}

/**
 * A one-line-first message for any thrown value.
 * @param error what was thrown
 * @returns its message, or its string form
 */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
