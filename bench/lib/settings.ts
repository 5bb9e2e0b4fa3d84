/**
 * Harness settings read from the environment, so a quick smoke run needs no code change.
 * @module
 */

/** Settings every case receives. */
export interface BenchSettings {
  /** Seconds of each measured load run. @default 10 */
  durationSeconds: number;
  /** Times each side is measured, alternating sides. @default 2 */
  rounds: number;
}

const DEFAULT_DURATION_SECONDS = 10;
const DEFAULT_ROUNDS = 2;

/**
 * Reads `BENCH_DURATION` (whole seconds, e.g. `5` or `5s`) and `BENCH_ROUNDS`.
 * @returns the settings, defaults filled in
 * @throws Error when a variable is set but is not a positive whole number
 */
export function readSettings(): BenchSettings {
  return {
    durationSeconds: readPositiveInt("BENCH_DURATION", DEFAULT_DURATION_SECONDS, /^(\d+)s?$/),
    rounds: readPositiveInt("BENCH_ROUNDS", DEFAULT_ROUNDS, /^(\d+)$/),
  };
}

function readPositiveInt(name: string, fallback: number, pattern: RegExp): number {
  const raw = Deno.env.get(name)?.trim();
  if (raw === undefined || raw === "") return fallback;
  const match = pattern.exec(raw);
  const value = match ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(`${name}: "${raw}" is not a positive whole number`);
  }
  return value;
}
