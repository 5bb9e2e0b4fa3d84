/**
 * Access-log formats (wmproxy's `[http.log_format]`): text with `{name}` variables, parsed
 * once. Besides the template variables (`{client_ip}`, `{host}`, `{url}`, `{path}`,
 * `{query}`, `{method}`, `{scheme}`, `{server_addr}`, `{server_port}`, `{upstream_addr}`,
 * `{http_NAME}`) a format may use `{d}` / `{d(%Y-%m-%d %H:%M:%S)}` (local time), `{l}` (the
 * level), `{status}`, `{up_status}` (the upstream's status, `-` when none answered),
 * `{referer}`, `{user_agent}`, `{cookie}`, `{request_time}` (ms) and `{server_protocol}`
 * (`HTTP/1.1`, `HTTP/2.0`..., as nginx's `$server_protocol`).
 */

import { type FileSink, fileSink } from "../log/file_sink.ts";
import { TEMPLATE_VARIABLES, type VariableSource } from "../http/variables.ts";
import type { ReverseAccessLog } from "./types.ts";

/** One piece of a parsed format. */
export type LogFormatPart =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "var"; readonly name: string; readonly arg: string };

const EXTRA = new Set([
  "d",
  "l",
  "status",
  "up_status",
  "referer",
  "user_agent",
  "cookie",
  "request_time",
  "server_protocol",
]);

/** Log levels, lowest first (wmproxy's names). */
export const ACCESS_LEVELS = ["trace", "debug", "info", "warn", "error"] as const;
/** A log level. */
export type AccessLevel = typeof ACCESS_LEVELS[number];

/** `level` as a level, or null. */
export function parseAccessLevel(text: string): AccessLevel | null {
  const l = text.toLowerCase();
  return (ACCESS_LEVELS as readonly string[]).includes(l) ? l as AccessLevel : null;
}

/** Parses a format; a string is what is wrong with it. */
export function parseLogFormat(text: string): LogFormatPart[] | string {
  const parts: LogFormatPart[] = [];
  const re = /\{(\w+)(?:\(([^)]*)\))?\}/g;
  let last = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m.index > last) parts.push({ kind: "text", text: text.slice(last, m.index) });
    const name = m[1];
    if (!EXTRA.has(name) && !TEMPLATE_VARIABLES.has(name) && !name.startsWith("http_")) {
      return `has an unknown variable "{${name}}"`;
    }
    if (m[2] !== undefined && name !== "d") return `"{${name}}" takes no argument`;
    const arg = name.startsWith("http_") ? name.slice(5).replaceAll("_", "-") : m[2] ?? "";
    parts.push({ kind: "var", name, arg });
    last = re.lastIndex;
  }
  if (last < text.length) parts.push({ kind: "text", text: text.slice(last) });
  const brace = parts.find((p) => p.kind === "text" && /[{}]/.test(p.text));
  if (brace) return 'has an unbalanced or malformed "{"';
  return parts;
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** Formats `date` with strftime-like `%Y %m %d %H %M %S %3f %%` (local time). */
export function formatDate(pattern: string, date: Date): string {
  return pattern.replace(/%(3f|[YmdHMS%])/g, (_, c: string) => {
    switch (c) {
      case "Y":
        return String(date.getFullYear());
      case "m":
        return pad(date.getMonth() + 1);
      case "d":
        return pad(date.getDate());
      case "H":
        return pad(date.getHours());
      case "M":
        return pad(date.getMinutes());
      case "S":
        return pad(date.getSeconds());
      case "3f":
        return pad(date.getMilliseconds(), 3);
      default:
        return "%";
    }
  });
}

/** A request's values, as the log phase sees them. */
export interface AccessSource extends VariableSource {
  /** The status answered. */
  readonly status: number;
  /** The upstream's status, 0 when no upstream answered. */
  readonly upStatus: number;
  /** The request header `name`, "" when absent. */
  header(name: string): string;
  /** Milliseconds since the head was parsed. */
  elapsed(): number;
  /** The request's protocol (`HTTP/1.1`, `HTTP/2.0`), when known. */
  readonly protocol?: string;
}

/** A compiled `access_log`: its file and a line builder. */
export interface AccessWriter {
  /** The file lines go to. */
  readonly sink: FileSink;
  /** The line for one request. */
  readonly line: (s: AccessSource) => string;
}

type Piece = (s: AccessSource) => string;

/** Compiles `log` (validated), or null when its level is below its file's. */
export function compileAccessLog(log: ReverseAccessLog): AccessWriter | null {
  if (
    ACCESS_LEVELS.indexOf(log.level as AccessLevel) <
      ACCESS_LEVELS.indexOf(log.fileLevel as AccessLevel)
  ) {
    return null;
  }
  const parts = parseLogFormat(log.format);
  if (typeof parts === "string") throw new Error(`log format "${log.format}" ${parts}`);
  const level = log.level.toUpperCase();
  const pieces = parts.map((p): Piece | string =>
    p.kind === "text" ? p.text : piece(p.name, p.arg, level)
  );
  const line = (s: AccessSource): string => {
    let out = "";
    for (const p of pieces) out += typeof p === "string" ? p : p(s);
    return out;
  };
  return { sink: fileSink(log.file), line };
}

function piece(name: string, arg: string, level: string): Piece {
  switch (name) {
    case "d":
      return clock(arg || "%Y-%m-%d %H:%M:%S");
    case "l":
      return () => level;
    case "status":
      return (s) => String(s.status);
    case "up_status":
      return (s) => s.upStatus ? String(s.upStatus) : "-";
    case "referer":
      return (s) => s.header("referer");
    case "user_agent":
      return (s) => s.header("user-agent");
    case "cookie":
      return (s) => s.header("cookie");
    case "request_time":
      return (s) => s.elapsed().toFixed(1);
    case "server_protocol":
      return (s) => s.protocol ?? "-";
  }
  if (name.startsWith("http_")) return (s) => s.header(arg);
  const code = TEMPLATE_VARIABLES.get(name)!;
  return (s) => s.variable(code, "");
}

/** A date piece that formats once per second. */
function clock(pattern: string): () => string {
  let second = -1;
  let text = "";
  // Milliseconds change every call: no caching for them.
  if (pattern.includes("%3f")) return () => formatDate(pattern, new Date());
  return () => {
    const now = Date.now();
    const s = Math.floor(now / 1000);
    if (s !== second) {
      second = s;
      text = formatDate(pattern, new Date(now));
    }
    return text;
  };
}

/** The error-log line of a failed request. */
export function errorLine(what: string): string {
  return `${clockDefault()} ERROR ${what}`;
}

const clockDefault = clock("%Y-%m-%d %H:%M:%S");
