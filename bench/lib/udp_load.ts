/**
 * UDP request/response load: `udp_load.py` (Python, standard library only) keeps a window of
 * datagrams in flight on each of several client sockets and counts the replies.
 * @module
 */

import { DEBIAN_PYTHON } from "./debian_packages.ts";

const SCRIPT = new URL("./udp_load.py", import.meta.url).pathname;

/** What one load run measured. */
export interface UdpLoadResult {
  /** Replies received per second during the measured window (each crossed a proxy twice). */
  datagramsPerSecond: number;
  /** Replies received during the measured window. */
  received: number;
  /** Datagrams sent over the whole run (warm-up, window, drain). */
  sentTotal: number;
  /** Replies received over the whole run. */
  receivedTotal: number;
  /** Share of `sentTotal` never answered, in percent. */
  lossPercent: number;
  /** Replies whose size differed from the request's. */
  mismatched: number;
  /** Times a client heard nothing for 200 ms and sent a fresh window. */
  stalls: number;
}

/** Options of `runUdpLoad`. */
export interface UdpLoadOptions {
  /** Bytes per datagram. @default 64 */
  size?: number;
  /** Client sockets, each its own source port (a session in a forwarder). @default 16 */
  clients?: number;
  /** Datagrams kept in flight per client. @default 4 */
  window?: number;
  /** Seconds of load before counting starts (sessions get created here). @default 1 */
  warmupSeconds?: number;
  /** Seconds counted. @default 10 */
  durationSeconds?: number;
}

/**
 * Runs the load against `127.0.0.1:port` (an echo server, or a forwarder in front of one).
 * @param port the UDP port to load
 * @param options datagram size, clients, window, durations
 * @returns the parsed report
 * @throws Error when the generator fails or no reply came back
 */
export async function runUdpLoad(
  port: number,
  options: UdpLoadOptions = {},
): Promise<UdpLoadResult> {
  const args = [
    SCRIPT,
    `--port=${port}`,
    `--size=${options.size ?? 64}`,
    `--clients=${options.clients ?? 16}`,
    `--window=${options.window ?? 4}`,
    `--warmup=${options.warmupSeconds ?? 1}`,
    `--duration=${options.durationSeconds ?? 10}`,
  ];
  const { success, stdout, stderr } = await new Deno.Command(DEBIAN_PYTHON, { args, stdin: "null" })
    .output();
  const text = new TextDecoder().decode(stdout);
  if (!success) {
    const why = (new TextDecoder().decode(stderr) || text).trim().split("\n").slice(-3).join(" | ");
    throw new Error(`udp load generator failed: ${why}`);
  }
  const result = parseUdpLoadReport(text);
  if (result.received === 0) throw new Error(`no datagram came back from port ${port}`);
  return result;
}

/**
 * Reads the JSON line `udp_load.py` prints.
 * @param text its stdout
 * @returns the numbers in it, with the rate and the loss derived
 * @throws Error when the line is not JSON or lacks a field
 */
export function parseUdpLoadReport(text: string): UdpLoadResult {
  let report: Record<string, unknown>;
  try {
    report = JSON.parse(text.trim().split("\n").at(-1) ?? "");
  } catch {
    throw new Error(`udp load generator printed no JSON: ${text.trim()}`);
  }
  function field(name: string): number {
    const value = report?.[name];
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new Error(`udp load report has no number "${name}"`);
    }
    return value;
  }
  const seconds = field("seconds");
  const received = field("received");
  const sentTotal = field("sent_total");
  const receivedTotal = field("received_total");
  return {
    datagramsPerSecond: seconds > 0 ? received / seconds : 0,
    received,
    sentTotal,
    receivedTotal,
    lossPercent: sentTotal > 0 ? Math.max(0, sentTotal - receivedTotal) * 100 / sentTotal : 0,
    mismatched: field("mismatched"),
    stalls: field("stalls"),
  };
}
