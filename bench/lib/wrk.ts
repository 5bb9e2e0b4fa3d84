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
  /** Responses with a status outside 2xx and 3xx. */
  non2xx: number;
}

/** Options of `runWrk`. */
export interface WrkOptions {
  /** wrk threads (`-t`). @default 1 */
  threads?: number;
  /** Open connections (`-c`). @default 50 */
  connections?: number;
  /** Seconds to run (`-d`). @default 10 */
  durationSeconds?: number;
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
  const { success, stdout, stderr } = await new Deno.Command("wrk", {
    args: [`-t${threads}`, `-c${connections}`, `-d${duration}s`, "--latency", url],
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
  return {
    rps: Number(rps[1]),
    requests: requests ? Number(requests[1]) : 0,
    latencyMs,
    socketErrors: errors ? errors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
    non2xx: non2xx ? Number(non2xx[1]) : 0,
  };
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
