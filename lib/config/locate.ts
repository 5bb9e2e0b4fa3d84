/**
 * Maps key paths of a TOML document back to the lines that define them, so config errors can say
 * where they are. This is a light scanner, not a parser: the document has already been parsed by
 * smol-toml, so it is assumed to be valid TOML.
 *
 * @module
 */

/** A path into a parsed TOML document: table keys and array indices, e.g. ["stream", "server", 1, "bind_addr"]. */
export type KeyPath = readonly (string | number)[];

/** The line of every path a TOML document defines, built once by {@link indexLines}. */
export interface LineIndex {
  /** 1-based line of each defined path, keyed by `JSON.stringify(path)`. */
  readonly lines: ReadonlyMap<string, number>;
}

const BARE_KEY = /^[A-Za-z0-9_-]+$/;
const BARE_KEY_CHAR = /[A-Za-z0-9_-]/;
const ESCAPES: Readonly<Record<string, string>> = {
  b: "\b",
  t: "\t",
  n: "\n",
  f: "\f",
  r: "\r",
  e: "\x1b",
};

/**
 * Scans a TOML document once and records the line of every table, key, and array element in it.
 *
 * @param source TOML text that has already been parsed successfully
 * @returns an index to pass to {@link findLine}
 * @example
 * ```ts
 * const index = indexLines('[[stream.server]]\nbind_addr = "0.0.0.0:83"\n');
 * findLine(index, ["stream", "server", 0, "bind_addr"]); // 2
 * ```
 */
export function indexLines(source: string): LineIndex {
  const lines = new Map<string, number>();
  const explicit = new Set<string>();
  // How many elements each array of tables has so far, keyed by its resolved path.
  const arrayCounts = new Map<string, number>();
  const lineStarts = [0];
  for (let i = 0; i < source.length; i++) if (source[i] === "\n") lineStarts.push(i + 1);
  let pos = 0;

  // A path defined by its own header or key wins over one only implied by a longer one.
  function define(path: KeyPath, offset: number, isExplicit: boolean): void {
    const key = JSON.stringify(path);
    if (explicit.has(key) || (!isExplicit && lines.has(key))) return;
    lines.set(key, lineAt(lineStarts, offset));
    if (isExplicit) explicit.add(key);
  }

  function skipSpaces(): void {
    while (source[pos] === " " || source[pos] === "\t") pos++;
  }

  // Skips whitespace, newlines and comments.
  function skipBlank(): void {
    for (;;) {
      skipSpaces();
      if (source[pos] === "#") { while (pos < source.length && source[pos] !== "\n") pos++; }
      else if (source[pos] === "\r" || source[pos] === "\n") pos++;
      else return;
    }
  }

  // Reads any of the four string kinds starting at its opening quote; returns the raw content.
  function readString(): string {
    const quote = source[pos];
    const multi = source.startsWith(quote.repeat(3), pos);
    const delimiter = multi ? quote.repeat(3) : quote;
    pos += delimiter.length;
    const start = pos;
    while (pos < source.length) {
      if (quote === '"' && source[pos] === "\\") pos += 2;
      else if (source.startsWith(delimiter, pos)) {
        // Up to two quotes right before a closing """ belong to the content.
        let end = pos;
        while (multi && source[end + 3] === quote && end - pos < 2) end++;
        pos = end + delimiter.length;
        return source.slice(start, end);
      } else if (!multi && source[pos] === "\n") break;
      else pos++;
    }
    return source.slice(start, pos);
  }

  function readKey(): string {
    skipSpaces();
    if (source[pos] === '"') return unescape(readString());
    if (source[pos] === "'") return readString();
    const start = pos;
    while (pos < source.length && BARE_KEY_CHAR.test(source[pos])) pos++;
    return source.slice(start, pos);
  }

  function readDottedKey(): string[] {
    const keys = [readKey()];
    skipSpaces();
    while (source[pos] === ".") {
      pos++;
      keys.push(readKey());
      skipSpaces();
    }
    return keys;
  }

  function readPair(base: KeyPath): void {
    const keys = readDottedKey();
    for (let k = 1; k < keys.length; k++) define([...base, ...keys.slice(0, k)], pos, false);
    skipSpaces();
    if (source[pos] === "=") pos++;
    skipSpaces();
    readValue([...base, ...keys]);
  }

  // Always consumes at least one character, so the loops above it cannot stall.
  function readValue(path: KeyPath): void {
    define(path, pos, true);
    const c = source[pos];
    if (c === '"' || c === "'") readString();
    else if (c === "[" || c === "{") {
      pos++;
      for (let index = 0; pos < source.length; index++) {
        skipBlank();
        if (source[pos] === (c === "[" ? "]" : "}")) {
          pos++;
          return;
        }
        if (c === "[") readValue([...path, index]);
        else readPair(path);
        skipBlank();
        if (source[pos] === ",") pos++;
      }
    } else {
      const start = pos;
      while (pos < source.length && !",]}#\r\n".includes(source[pos])) pos++;
      if (pos === start) pos++;
    }
  }

  // Resolves `[a.b]` or `[[a.b]]` against the arrays of tables seen so far.
  function readHeader(): KeyPath {
    const start = pos;
    const isArray = source[pos + 1] === "[";
    pos += isArray ? 2 : 1;
    const keys = readDottedKey();
    pos += isArray ? 2 : 1;
    const path: (string | number)[] = [];
    for (const [k, key] of keys.entries()) {
      const last = k === keys.length - 1;
      path.push(key);
      define(path, start, last && !isArray);
      const counter = JSON.stringify(path);
      const count = arrayCounts.get(counter);
      if (last && isArray) {
        arrayCounts.set(counter, (count ?? 0) + 1);
        path.push(count ?? 0);
        define(path, start, true);
      } else if (count !== undefined) path.push(count - 1);
    }
    return path;
  }

  let table: KeyPath = [];
  for (skipBlank(); pos < source.length; skipBlank()) {
    if (source[pos] === "[") table = readHeader();
    else readPair(table);
  }
  return { lines };
}

/**
 * Looks up the line of a path in an index, falling back to its closest defined ancestor.
 *
 * @param index built by {@link indexLines}
 * @param path the key path to find
 * @returns the 1-based line, or undefined when not even the first key is defined
 * @example
 * ```ts
 * const index = indexLines("[[stream.server]]\nbind_addr = \"0.0.0.0:83\"\n");
 * findLine(index, ["stream", "server", 0, "up_name"]); // 1, the header of that table
 * ```
 */
export function findLine(index: LineIndex, path: KeyPath): number | undefined {
  for (let length = path.length; length > 0; length--) {
    const line = index.lines.get(JSON.stringify(path.slice(0, length)));
    if (line !== undefined) return line;
  }
  return undefined;
}

/**
 * Returns the 1-based line in `source` (TOML text) where the value at `path` is defined, or, if
 * that exact path cannot be found, the line of its closest ancestor that can; undefined when
 * nothing matches. To look up many paths in one document, use {@link indexLines} once and
 * {@link findLine} for each path.
 *
 * @param source TOML text that has already been parsed successfully
 * @param path the key path to find
 * @returns the 1-based line, or undefined
 * @example
 * ```ts
 * locateLine('[[stream.server]]\nbind_addr = "0.0.0.0:83"\n', ["stream", "server", 0]); // 1
 * ```
 */
export function locateLine(source: string, path: KeyPath): number | undefined {
  return findLine(indexLines(source), path);
}

/**
 * Formats a key path the way error messages show it; keys that are not bare are quoted.
 *
 * @param path table keys and array indices
 * @returns e.g. `stream.server[1].bind_addr` or `stream.upstream[0].server[2].addr`
 * @example
 * ```ts
 * formatKeyPath(["stream", "upstream", 0, "server", 2, "addr"]); // "stream.upstream[0].server[2].addr"
 * ```
 */
export function formatKeyPath(path: KeyPath): string {
  let text = "";
  for (const part of path) {
    if (typeof part === "number") text += `[${part}]`;
    else {
      const key = BARE_KEY.test(part) ? part : JSON.stringify(part);
      text += text === "" ? key : `.${key}`;
    }
  }
  return text;
}

function lineAt(lineStarts: readonly number[], offset: number): number {
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (lineStarts[mid] <= offset) low = mid;
    else high = mid - 1;
  }
  return low + 1;
}

// Decodes the escapes of a basic-string key.
function unescape(raw: string): string {
  return raw.replace(
    /\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|x[0-9A-Fa-f]{2}|.)/g,
    (_, escape: string) =>
      escape.length > 1
        ? String.fromCodePoint(parseInt(escape.slice(1), 16))
        : ESCAPES[escape] ?? escape,
  );
}
