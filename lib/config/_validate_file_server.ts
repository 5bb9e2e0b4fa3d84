import { parseTryPaths } from "../reverse/try_paths.ts";
import { type Checker, isTable, show, type Table, warnUnknownKeys } from "./_checker.ts";
import { optBool, optDuration, optInt, optSize, optString, wordList } from "./_fields.ts";
import type { KeyPath } from "./locate.ts";
import type { HttpFileServer } from "./schema.ts";

/** Keys of a location's `file_server` table. */
export const FILE_SERVER_KEYS: readonly string[] = [
  "root",
  "prefix",
  "index",
  "browse",
  "ext_mimetype",
  "default_mimetype",
  "cache_time",
  "cors",
  "path404",
  "robots",
  "hide",
  "status",
  "precompressed",
  "disable_compress",
  "open_file_cache",
  "open_file_cache_valid",
  "open_file_cache_max_file",
  "open_file_cache_size",
];

/**
 * Validates a location's `file_server` table; `root` is the location's (or server's) root
 * and `rule` the location rule, whose path is the default prefix.
 */
export function validateFileServer(
  c: Checker,
  raw: unknown,
  path: KeyPath,
  inherited: { readonly root: string | null; readonly rule: string },
): HttpFileServer | undefined {
  if (!isTable(raw)) {
    return c.error(path, `${show(raw)} is not a table`, "a table like { browse = true }");
  }
  const t: Table = raw;
  warnUnknownKeys(c, t, path, FILE_SERVER_KEYS);
  const p = (k: string): KeyPath => [...path, k];
  const list = (k: string, fallback: string[]): string[] => {
    if (t[k] === undefined) return fallback;
    const words = wordList(t[k]);
    if (words !== undefined) return words;
    return c.error(p(k), `${show(t[k])} is not a list`, '"a b" or ["a", "b"]') ?? fallback;
  };
  const ext: Record<string, string> = {};
  if (t.ext_mimetype !== undefined) {
    if (!isTable(t.ext_mimetype)) {
      c.error(p("ext_mimetype"), `${show(t.ext_mimetype)} is not a table`, '{ md = "text/plain" }');
    } else {
      for (const [k, v] of Object.entries(t.ext_mimetype)) {
        if (typeof v === "string" && /^[\w.+-]+\/[\w.+-]+/.test(v)) {
          ext[k.replace(/^\./, "").toLowerCase()] = v;
        } else c.error([...p("ext_mimetype"), k], `${show(v)} is not a MIME type`, '"text/plain"');
      }
    }
  }
  const precompressed = list("precompressed", ["br", "gzip"]);
  for (const enc of precompressed) {
    if (enc !== "br" && enc !== "gzip") {
      c.error(p("precompressed"), `${show(enc)} is not a precompressed encoding`, '"br" or "gzip"');
    }
  }
  const size = (k: string, fallback: number): number => optSize(c, t, p(k)) ?? fallback;
  const rulePath = /^\/[^*?()[\]^$\\]*$/.test(inherited.rule) ? inherited.rule : "";
  const status = optInt(c, t, p("status"), 100, 599) ?? 404;
  return {
    root: optString(c, t, p("root")) ?? inherited.root ?? "",
    prefix: (optString(c, t, p("prefix")) ?? rulePath).replace(/\/+$/, ""),
    index: list("index", ["index.html", "index.htm"]),
    browse: optBool(c, t, p("browse")) ?? false,
    ext_mimetype: ext,
    default_mimetype: optString(c, t, p("default_mimetype")) ?? "application/octet-stream",
    cache_time: optDuration(c, t, p("cache_time")) ?? null,
    cors: optBool(c, t, p("cors")) ?? false,
    path404: optString(c, t, p("path404")) ?? null,
    robots: optString(c, t, p("robots")) ?? null,
    hide: list("hide", []),
    status,
    precompressed,
    open_file_cache: optInt(c, t, p("open_file_cache"), 0, 1_000_000) ?? 1024,
    open_file_cache_valid: optDuration(c, t, p("open_file_cache_valid")) ?? 1,
    open_file_cache_max_file: size("open_file_cache_max_file", 1024 * 1024),
    open_file_cache_size: size("open_file_cache_size", 32 * 1024 * 1024),
  };
}

/** Validates `try_paths` (wmproxy syntax, see lib/reverse/try_paths.ts); the text when valid. */
export function validateTryPaths(c: Checker, t: Table, path: KeyPath): string | undefined {
  const text = optString(c, t, path);
  if (text === undefined) return undefined;
  const parsed = parseTryPaths(text);
  if (typeof parsed !== "string") return text;
  return c.error(
    path,
    `${show(text)} ${parsed}`,
    `candidate paths like "{path} {path}/ '/a(.*) {path} /b$1' =404"`,
  );
}
