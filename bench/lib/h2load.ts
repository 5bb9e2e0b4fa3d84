/**
 * Running h2load (nghttp2's HTTP/2 load generator) against a URL and parsing its report.
 * @module
 */

/** What one h2load run measured. */
export interface H2loadResult {
  /** Requests per second over the run. */
  rps: number;
  /** Requests that got a response. */
  requests: number;
  /** Requests that failed or errored. */
  failed: number;
  /** Responses with a status outside 2xx and 3xx. */
  non2xx: number;
  /** Mean time per request, ms. */
  meanMs: number;
  /** Largest time per request, ms. */
  maxMs: number;
}

/** Options of `runH2load`. */
export interface H2loadOptions {
  /** Client connections (`-c`). @default 10 */
  clients?: number;
  /** Concurrent streams per connection (`-m`). @default 10 */
  streams?: number;
  /** Seconds to run (`-D`). @default 10 */
  durationSeconds?: number;
}

/**
 * Runs `h2load -t1 -c C -m M -D S` against `url` (HTTP/2 over TLS, ALPN h2).
 * @param url the target, e.g. `https://127.0.0.1:8443/`
 * @param options clients, streams, duration
 * @returns the parsed report
 * @throws Error when h2load fails or completes no request
 */
export async function runH2load(url: string, options: H2loadOptions = {}): Promise<H2loadResult> {
  const args = [
    "-t1",
    `-c${options.clients ?? 10}`,
    `-m${options.streams ?? 10}`,
    `-D${options.durationSeconds ?? 10}`,
    url,
  ];
  const { success, stdout, stderr } = await new Deno.Command("h2load", { args, stdin: "null" })
    .output();
  const text = new TextDecoder().decode(stdout);
  if (!success) {
    throw new Error(`h2load failed: ${(new TextDecoder().decode(stderr) || text).trim()}`);
  }
  const result = parseH2loadOutput(text);
  if (result.requests === 0) throw new Error(`h2load completed no request against ${url}`);
  return result;
}

/**
 * Reads h2load's summary: `finished in 10.00s, 6215.70 req/s, ...`, `requests: N total, N
 * started, N done, N succeeded, F failed, E errored, ...`, `status codes: A 2xx, B 3xx, C 4xx,
 * D 5xx` and `time for request: min max mean sd ...`.
 * @param text h2load's standard output
 * @returns the numbers
 */
export function parseH2loadOutput(text: string): H2loadResult {
  const rps = Number(/finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(text)?.[1] ?? NaN);
  const req =
    /requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored/
      .exec(text);
  const codes = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(text);
  const time = /time for request:\s+([\d.]+)(\w+)\s+([\d.]+)(\w+)\s+([\d.]+)(\w+)/.exec(text);
  const ms = (value: string | undefined, unit: string | undefined) =>
    Number(value ?? NaN) * (unit === "us" ? 1e-3 : unit === "s" ? 1e3 : 1);
  return {
    rps,
    requests: Number(req?.[1] ?? 0),
    failed: Number(req?.[2] ?? 0) + Number(req?.[3] ?? 0),
    non2xx: codes ? Number(codes[3]) + Number(codes[4]) : 0,
    meanMs: ms(time?.[5], time?.[6]),
    maxMs: ms(time?.[3], time?.[4]),
  };
}
