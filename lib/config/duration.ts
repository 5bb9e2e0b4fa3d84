const UNITS: Readonly<Record<string, number>> = {
  ms: 0.001,
  s: 1,
  sec: 1,
  m: 60,
  min: 60,
  h: 3600,
  d: 86400,
};
const DURATION_RE = /^(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h|d)?$/;

/**
 * Parses a wmproxy duration: a number of seconds, or a string such as `"500ms"`, `"10s"`,
 * `"5m"`, `"5min"`, `"2h"`, `"1d"` (a bare number in a string is seconds too).
 * Returns seconds, or undefined when the value is not a duration.
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== "string") return undefined;
  const m = DURATION_RE.exec(value.trim());
  if (!m) return undefined;
  return Number(m[1]) * UNITS[m[2] ?? "s"];
}

/** Renders seconds the way a user would write them in the config: `30s`, `1.5s`, `500ms`. */
export function formatDuration(seconds: number): string {
  if (seconds > 0 && seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  return `${seconds}s`;
}
