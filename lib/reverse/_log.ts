import { log } from "../log/logger.ts";

/** The reverse proxy's logger (`wmproxy.reverse`). */
export const logger = log("reverse");

/** An error's message, for log lines. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
