/** Log levels, lowest first. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal"] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = typeof LOG_LEVELS[number];

let active: LogLevel | null = null;

/** Records the lowest level `setupLogging` configured (null: logging not configured). */
export function setActiveLevel(level: LogLevel | null): void {
  active = level;
}

/**
 * Whether debug lines are written. logtape builds a whole record (template parsing, property
 * copies; a few µs) before it checks the level, so per-connection debug lines on hot paths
 * check this first.
 */
export function debugEnabled(): boolean {
  return active !== null && LOG_LEVELS.indexOf(active) <= LOG_LEVELS.indexOf("debug");
}
