import { getLogger, type Logger } from "@logtape/logtape";

/** A logger under the `wmproxy` category, e.g. `log("stream")` → `wmproxy.stream`. */
export function log(...category: string[]): Logger {
  return getLogger(["wmproxy", ...category]);
}

export type { Logger };
