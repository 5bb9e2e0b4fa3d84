/**
 * Connect-and-request load through a SOCKS5 proxy: `socks5_load.py` (Python, standard library
 * only) keeps N iterations in flight, each a new TCP connection, a SOCKS5 handshake and CONNECT,
 * one `Connection: close` HTTP request and its response read to EOF. The same client without
 * the SOCKS5 steps loads the HTTP server directly, for the reference row.
 * @module
 */

import { DEBIAN_PYTHON } from "./debian_packages.ts";

const SCRIPT = new URL("./socks5_load.py", import.meta.url).pathname;

/** What one load run measured. */
export interface Socks5LoadResult {
  /** Iterations completed per second during the counted window. */
  perSecond: number;
  /** Iterations completed (status 200, read to EOF) during the counted window. */
  completed: number;
  /** Iterations completed over the whole run, warm-up included. */
  completedTotal: number;
  /** Iterations that failed (refused, reset, SOCKS5 error, early EOF) over the whole run. */
  failed: number;
  /** Iterations answered with a status other than 200 over the whole run. */
  non200: number;
  /** Iterations that did not finish within the per-iteration timeout. */
  timeouts: number;
  /** Response bytes read during the counted window. */
  bytes: number;
  /** Response bytes read over the whole run, warm-up included. */
  bytesTotal: number;
  /** Response bytes per second during the counted window, in MB/s (10^6 bytes). */
  megabytesPerSecond: number;
  /** Median duration of an iteration (connect to EOF) in ms, or NaN when none completed. */
  p50Ms: number;
  /** 99th percentile duration of an iteration in ms, or NaN when none completed. */
  p99Ms: number;
  /** The generator's own user CPU seconds over the whole run. */
  cpuUserSeconds: number;
  /** The generator's own system CPU seconds over the whole run. */
  cpuSystemSeconds: number;
  /** Wall-clock seconds of the whole run. */
  wallSeconds: number;
  /** The first failure's message, or null. */
  firstError: string | null;
}

/** Options of `runSocks5Load`. */
export interface Socks5LoadOptions {
  /**
   * The HTTP server's port on 127.0.0.1 to CONNECT to through the proxy at `port`; null loads
   * `port` directly as the HTTP server, without SOCKS5. @default null
   */
  targetPort?: number | null;
  /** The request path. @default "/" */
  path?: string;
  /** Iterations kept in flight. @default 50 */
  workers?: number;
  /** Seconds of load before counting starts. @default 1 */
  warmupSeconds?: number;
  /** Seconds counted. @default 10 */
  durationSeconds?: number;
  /** Seconds after which an unfinished iteration is abandoned and counted. @default 10 */
  timeoutSeconds?: number;
}

/**
 * Runs the load against `127.0.0.1:port`.
 * @param port the SOCKS5 proxy (or, without `targetPort`, the HTTP server)
 * @param options target, path, concurrency, durations
 * @returns the parsed report
 * @throws Error when the generator fails or no iteration completed
 */
export async function runSocks5Load(
  port: number,
  options: Socks5LoadOptions = {},
): Promise<Socks5LoadResult> {
  const args = [
    SCRIPT,
    `--port=${port}`,
    `--target-port=${options.targetPort ?? 0}`,
    `--path=${options.path ?? "/"}`,
    `--workers=${options.workers ?? 50}`,
    `--warmup=${options.warmupSeconds ?? 1}`,
    `--duration=${options.durationSeconds ?? 10}`,
    `--timeout=${options.timeoutSeconds ?? 10}`,
  ];
  const { success, stdout, stderr } = await new Deno.Command(DEBIAN_PYTHON, { args, stdin: "null" })
    .output();
  const text = new TextDecoder().decode(stdout);
  if (!success) {
    const why = (new TextDecoder().decode(stderr) || text).trim().split("\n").slice(-3).join(" | ");
    throw new Error(`socks5 load generator failed: ${why}`);
  }
  const result = parseSocks5LoadReport(text);
  if (result.completed === 0) {
    const why = result.firstError === null ? "" : `: ${result.firstError}`;
    throw new Error(`no iteration completed through port ${port}${why}`);
  }
  return result;
}

/**
 * Reads the JSON line `socks5_load.py` prints.
 * @param text its stdout
 * @returns the numbers in it, with the rates derived
 * @throws Error when the line is not JSON or lacks a field
 */
export function parseSocks5LoadReport(text: string): Socks5LoadResult {
  let report: Record<string, unknown>;
  try {
    report = JSON.parse(text.trim().split("\n").at(-1) ?? "");
  } catch {
    throw new Error(`socks5 load generator printed no JSON: ${text.trim()}`);
  }
  function field(name: string): number {
    const value = report?.[name];
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new Error(`socks5 load report has no number "${name}"`);
    }
    return value;
  }
  function optionalMs(name: string): number {
    return report?.[name] === null ? NaN : field(name);
  }
  const seconds = field("seconds");
  const completed = field("completed");
  const bytes = field("bytes");
  const firstError = report?.["first_error"];
  return {
    perSecond: seconds > 0 ? completed / seconds : 0,
    completed,
    completedTotal: field("completed_total"),
    failed: field("failed"),
    non200: field("non_200"),
    timeouts: field("timeouts"),
    bytes,
    bytesTotal: field("bytes_total"),
    megabytesPerSecond: seconds > 0 ? bytes / seconds / 1e6 : 0,
    p50Ms: optionalMs("p50_ms"),
    p99Ms: optionalMs("p99_ms"),
    cpuUserSeconds: field("cpu_user"),
    cpuSystemSeconds: field("cpu_system"),
    wallSeconds: field("wall"),
    firstError: typeof firstError === "string" ? firstError : null,
  };
}
