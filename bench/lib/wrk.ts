/**
 * Running wrk against a URL and parsing its report.
 * @module
 */

/** What one wrk run measured. */
export interface WrkResult {
  /** Requests per second over the run. */
  rps: number;
  /** Completed requests. */
  requests: number;
  /** Latency percentiles in milliseconds (from `--latency`), keyed by percentile: 50, 75, 90, 99. */
  latencyMs: Record<number, number>;
  /** Connect, read, write and timeout errors added together. */
  socketErrors: number;
  /** The same errors by kind, as wrk's `Socket errors:` line lists them (all 0 when absent). */
  socketErrorsByKind: SocketErrors;
  /** Responses with a status outside 2xx and 3xx. */
  non2xx: number;
}

/** wrk's socket errors by kind. */
export interface SocketErrors {
  /** Connections that could not be opened. */
  connect: number;
  /** Reads that failed, including a connection closed where wrk expected another response. */
  read: number;
  /** Writes that failed. */
  write: number;
  /** Requests with no response within wrk's timeout. */
  timeout: number;
}

/** Options of `runWrk`. */
export interface WrkOptions {
  /** wrk threads (`-t`). @default 1 */
  threads?: number;
  /** Open connections (`-c`). @default 50 */
  connections?: number;
  /** Seconds to run (`-d`). @default 10 */
  durationSeconds?: number;
  /** A Lua script (`-s`), e.g. one written by `wrkRequestScript`. @default none */
  script?: string;
  /** Extra request headers (`-H`), e.g. `Connection: close`. @default [] */
  headers?: readonly string[];
}

/**
 * Runs `wrk --latency` against `url`.
 * @param url the target, e.g. `http://127.0.0.1:8080/`
 * @param options threads, connections, duration
 * @returns the parsed report
 * @throws Error when wrk fails or completes no request
 */
export async function runWrk(url: string, options: WrkOptions = {}): Promise<WrkResult> {
  const threads = options.threads ?? 1;
  const connections = options.connections ?? 50;
  const duration = options.durationSeconds ?? 10;
  const extra = [
    ...(options.script === undefined ? [] : ["-s", options.script]),
    ...(options.headers ?? []).flatMap((header) => ["-H", header]),
  ];
  const { success, stdout, stderr } = await new Deno.Command("wrk", {
    args: [`-t${threads}`, `-c${connections}`, `-d${duration}s`, "--latency", ...extra, url],
    stdin: "null",
  }).output();
  const text = new TextDecoder().decode(stdout);
  if (!success) {
    throw new Error(`wrk failed: ${(new TextDecoder().decode(stderr) || text).trim()}`);
  }
  const result = parseWrkOutput(text);
  if (result.requests === 0) {
    throw new Error(
      `wrk completed no request against ${url} (socket errors ${result.socketErrors})`,
    );
  }
  return result;
}

/**
 * Parses the text wrk prints with `--latency`.
 * @param text wrk's stdout
 * @returns the numbers in it
 * @throws Error when `Requests/sec` is absent
 */
export function parseWrkOutput(text: string): WrkResult {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(text);
  if (rps === null) throw new Error(`wrk output has no Requests/sec: ${text.trim()}`);
  const latencyMs: Record<number, number> = {};
  for (const match of text.matchAll(/^\s+(\d+(?:\.\d+)?)%\s+([\d.]+)(us|ms|s|m)\s*$/gm)) {
    latencyMs[Number(match[1])] = toMs(Number(match[2]), match[3]);
  }
  const requests = /^\s*(\d+) requests in/m.exec(text);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  const [connect, read, write, timeout] = errors ? errors.slice(1).map(Number) : [0, 0, 0, 0];
  return {
    rps: Number(rps[1]),
    requests: requests ? Number(requests[1]) : 0,
    latencyMs,
    socketErrors: connect + read + write + timeout,
    socketErrorsByKind: { connect, read, write, timeout },
    non2xx: non2xx ? Number(non2xx[1]) : 0,
  };
}

/** What every request of a wrk run should look like, beyond wrk's defaults. */
export interface WrkRequestOptions {
  /**
   * The request target. An absolute URL (`http://127.0.0.1:8080/`) makes wrk talk to a forward
   * proxy, whose address is then wrk's own URL. @default wrk's URL path
   */
  path?: string;
  /** The Host header. @default wrk's, taken from its URL */
  host?: string;
}

/**
 * A wrk Lua script that sets the request target and Host header, for `runWrk(url, { script })`.
 * wrk formats its request once from `wrk.path` and `wrk.headers`, so top-level assignments
 * suffice, and headers passed with `-H` stay in place.
 * @param options the target and Host
 * @returns the script's text
 */
export function wrkRequestScript(options: WrkRequestOptions): string {
  const lines: string[] = [];
  if (options.path !== undefined) lines.push(`wrk.path = ${luaString(options.path)}`);
  if (options.host !== undefined) lines.push(`wrk.headers["Host"] = ${luaString(options.host)}`);
  return lines.map((line) => `${line}\n`).join("");
}

/** A double-quoted Lua string literal; control characters have no place in a target or Host. */
function luaString(text: string): string {
  // deno-lint-ignore no-control-regex
  if (/[\x00-\x1f\x7f]/.test(text)) throw new Error(`"${text}" holds a control character`);
  return `"${text.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

function toMs(value: number, unit: string): number {
  switch (unit) {
    case "us":
      return value / 1000;
    case "s":
      return value * 1000;
    case "m":
      return value * 60_000;
    default:
      return value;
  }
}
