import { getLogger, type Logger } from "@logtape/logtape";

/** A logger under the `wmproxy` category, e.g. `log("stream")` → `wmproxy.stream`. */
export function log(...category: string[]): Logger {
  return getLogger(["wmproxy", ...category]);
}

/** An error's message for a log line: the message of an Error, anything else as text. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export type { Logger };
