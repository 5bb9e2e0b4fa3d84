import { ConfigError } from "./errors.ts";
import { findLine, formatKeyPath, indexLines, type KeyPath, type LineIndex } from "./locate.ts";

/** Collects errors and warnings with key paths and lines while a raw config is validated. */
export class Checker {
  readonly errors: ConfigError[] = [];
  readonly warnings: string[] = [];
  #source: string;
  #index: LineIndex | undefined;

  constructor(source: string) {
    this.#source = source;
  }

  /** The 1-based line of `path` in the source, when it can be found. */
  line(path: KeyPath): number | undefined {
    if (!this.#source) return undefined;
    this.#index ??= indexLines(this.#source);
    return findLine(this.#index, path);
  }

  /** Records an error: `problem` should name the bad value, `expected` what would be valid. */
  error(path: KeyPath, problem: string, expected = ""): undefined {
    const text = expected ? `${problem}, expected ${expected}` : problem;
    this.errors.push(new ConfigError(formatKeyPath(path), text, this.line(path), expected));
    return undefined;
  }

  /** Records a warning; the config still loads. */
  warn(path: KeyPath, problem: string): void {
    const line = this.line(path);
    this.warnings.push(
      `${formatKeyPath(path)}: ${problem}${line === undefined ? "" : ` (line ${line})`}`,
    );
  }
}

/** A TOML table as smol-toml returns it. */
export type Table = Record<string, unknown>;

/** Whether a raw value is a TOML table (not an array, date or scalar). */
export function isTable(value: unknown): value is Table {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    !(value instanceof Date);
}

/** Quotes a raw value for an error message: strings in quotes, the rest as TOML would show it. */
export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "an array";
  if (isTable(value)) return "a table";
  return String(value);
}

/** One warning for each key of `table` not in `known`. */
export function warnUnknownKeys(
  c: Checker,
  table: Table,
  path: KeyPath,
  known: readonly string[],
): void {
  for (const key of Object.keys(table)) {
    if (!known.includes(key)) c.warn([...path, key], "unknown or unsupported key; ignored");
  }
}
