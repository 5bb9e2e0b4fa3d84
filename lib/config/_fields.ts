import type { KeyPath } from "./locate.ts";
import { type Checker, show, type Table } from "./_checker.ts";
import { parseDuration } from "./duration.ts";

/** Field readers: each returns the value, undefined when absent, or records an error. */

export function optString(c: Checker, t: Table, path: KeyPath): string | undefined {
  const v = t[path[path.length - 1]];
  if (v === undefined) return undefined;
  if (typeof v === "string") return v;
  return c.error(path, `${show(v)} is not a string`, "a quoted string");
}

export function optBool(c: Checker, t: Table, path: KeyPath): boolean | undefined {
  const v = t[path[path.length - 1]];
  if (v === undefined || typeof v === "boolean") return v;
  return c.error(path, `${show(v)} is not a boolean`, "true or false");
}

export function optInt(
  c: Checker,
  t: Table,
  path: KeyPath,
  min: number,
  max: number,
): number | undefined {
  const v = t[path[path.length - 1]];
  if (v === undefined) return undefined;
  const expected = `a whole number from ${min} to ${max}`;
  if (typeof v !== "number" || !Number.isInteger(v)) {
    return c.error(path, `${show(v)} is not a whole number`, expected);
  }
  if (v >= min && v <= max) return v;
  return c.error(path, `${show(v)} is out of range`, expected);
}

export function optDuration(c: Checker, t: Table, path: KeyPath): number | undefined {
  const v = t[path[path.length - 1]];
  if (v === undefined) return undefined;
  const seconds = parseDuration(v);
  if (seconds !== undefined) return seconds;
  return c.error(path, `${show(v)} is not a duration`, 'seconds or a string like "10s", "5m"');
}
