import type { KeyPath } from "./locate.ts";
import { CidrSet } from "../net/cidr.ts";
import { TargetRules } from "../net/target_rules.ts";
import { type Checker, isTable, show, type Table } from "./_checker.ts";
import { parseDuration } from "./duration.ts";
import { parseSize } from "../reverse/limit_syntax.ts";

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

/** A `max_connections` key under `path` (the table at `path` is `t`); null when unset. */
export function optMaxConnections(c: Checker, t: Table, path: KeyPath): number | null {
  return optInt(c, t, [...path, "max_connections"], 1, 10_000_000) ?? null;
}

/** A `send_proxy_protocol`-style version, `"v1"` or `"v2"` (any case); null when unset. */
export function optProxyProtocolVersion(
  c: Checker,
  t: Table,
  path: KeyPath,
): "v1" | "v2" | null {
  const text = optString(c, t, path);
  if (text === undefined) return null;
  const v = text.toLowerCase();
  if (v === "v1" || v === "v2") return v;
  c.error(path, `${show(text)} is not a PROXY protocol version`, '"v1" or "v2"');
  return null;
}

/** A size: whole bytes, or a string like `"512m"` (binary units, lib/reverse/limit_syntax.ts). */
export function optSize(c: Checker, t: Table, path: KeyPath): number | undefined {
  const v = t[path[path.length - 1]];
  if (v === undefined) return undefined;
  const n = typeof v === "number" && Number.isInteger(v) && v >= 0
    ? v
    : typeof v === "string"
    ? parseSize(v)
    : null;
  if (n !== null) return n;
  return c.error(path, `${show(v)} is not a size`, 'bytes or a size like "512m", "1g"');
}

export function optDuration(c: Checker, t: Table, path: KeyPath): number | undefined {
  const v = t[path[path.length - 1]];
  if (v === undefined) return undefined;
  const seconds = parseDuration(v);
  if (seconds !== undefined) return seconds;
  return c.error(path, `${show(v)} is not a duration`, 'seconds or a string like "10s", "5m"');
}

/** The tables of an array of tables (`[[stream.server]]`), each with its key path. */
export function tableList(c: Checker, raw: unknown, path: KeyPath): [Table, KeyPath][] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    c.error(path, `${show(raw)} is not an array of tables`, `[[${path.join(".")}]] sections`);
    return [];
  }
  const out: [Table, KeyPath][] = [];
  raw.forEach((t, i) => {
    if (isTable(t)) out.push([t, [...path, i]]);
    else c.error([...path, i], `${show(t)} is not a table`, "a table");
  });
  return out;
}

/** Words of a string (split on spaces and commas) or the strings of an array. */
export function wordList(v: unknown): string[] | undefined {
  if (typeof v === "string") return v.split(/[\s,]+/).filter((x) => x !== "");
  if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v as string[];
  return undefined;
}

/** A list of CIDR blocks, as a string (`"127.0.0.1 10.0.0.0/8"`) or an array of strings. */
export function optCidrList(c: Checker, t: Table, path: KeyPath): readonly string[] {
  const expected = 'CIDR blocks such as "127.0.0.1 10.0.0.0/8" or ["::1", "192.168.0.0/16"]';
  return optWordList(c, t, path, { what: "addresses", expected, parse: CidrSet.parse });
}

/**
 * A list of forward-proxy target rules (`CIDR[:PORT[-PORT]]`, `[v6/n]:PORT`, `*:PORT`), as
 * a string of words or an array of strings; an invalid entry is an error at `path`.
 */
export function optTargetRules(c: Checker, t: Table, path: KeyPath): readonly string[] {
  const expected = 'targets such as "10.0.0.0/8 127.0.0.1:8080 [::1]:80 *:25"';
  return optWordList(c, t, path, { what: "targets", expected, parse: TargetRules.parse });
}

/** A word list whose entries `parse` checks; every invalid entry is named in one error. */
function optWordList(
  c: Checker,
  t: Table,
  path: KeyPath,
  o: { what: string; expected: string; parse: (list: string[]) => object | { invalid: string[] } },
): readonly string[] {
  const v = t[path[path.length - 1]];
  if (v === undefined) return [];
  const list = wordList(v);
  if (list === undefined) {
    return c.error(path, `${show(v)} is not a list of ${o.what}`, o.expected) ?? [];
  }
  const parsed = o.parse(list);
  if ("invalid" in parsed) {
    const bad = parsed.invalid as string[];
    const which = bad.map((x) => JSON.stringify(x)).join(", ");
    return c.error(path, `${which} ${bad.length === 1 ? "is" : "are"} not valid`, o.expected) ??
      [];
  }
  return list;
}
