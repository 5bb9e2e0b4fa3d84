/**
 * Running an iperf3 client with `-J` and reading its JSON report.
 * @module
 */

/** What one iperf3 run measured. */
export interface Iperf3Result {
  /** Throughput seen by the receiver, in Gbit/s. */
  receivedGbps: number;
  /** Throughput the sender pushed, in Gbit/s. */
  sentGbps: number;
  /** Bytes the receiver got. */
  receivedBytes: number;
  /** TCP retransmits reported by the sender. */
  retransmits: number;
}

/** Options of `runIperf3`. */
export interface Iperf3Options {
  /** Seconds to transmit (`-t`). @default 5 */
  durationSeconds?: number;
}

/**
 * Runs `iperf3 -c 127.0.0.1 -p port -t N -J`.
 * @param port where the client connects (the server, or a forwarder in front of it)
 * @param options duration
 * @returns the parsed report
 * @throws Error with iperf3's own error text when the run fails
 */
export async function runIperf3(port: number, options: Iperf3Options = {}): Promise<Iperf3Result> {
  const duration = options.durationSeconds ?? 5;
  const { stdout, stderr } = await new Deno.Command("iperf3", {
    args: ["-c", "127.0.0.1", "-p", String(port), "-t", String(duration), "-J"],
    stdin: "null",
  }).output();
  const text = new TextDecoder().decode(stdout);
  let report: unknown;
  try {
    report = JSON.parse(text);
  } catch {
    throw new Error(`iperf3 printed no JSON: ${(text || new TextDecoder().decode(stderr)).trim()}`);
  }
  return parseIperf3Report(report);
}

/**
 * Reads the totals from an iperf3 `-J` report.
 * @param report the parsed JSON
 * @returns throughput and retransmits
 * @throws Error when the report carries an `error` or lacks the totals
 */
export function parseIperf3Report(report: unknown): Iperf3Result {
  const root = report as {
    error?: string;
    end?: {
      sum_sent?: { bits_per_second?: number; retransmits?: number };
      sum_received?: { bits_per_second?: number; bytes?: number };
    };
  };
  if (typeof root?.error === "string") throw new Error(`iperf3: ${root.error}`);
  const received = root?.end?.sum_received?.bits_per_second;
  const sent = root?.end?.sum_sent?.bits_per_second;
  if (typeof received !== "number" || typeof sent !== "number") {
    throw new Error("iperf3 report has no end.sum_received / end.sum_sent totals");
  }
  return {
    receivedGbps: received / 1e9,
    sentGbps: sent / 1e9,
    receivedBytes: root.end?.sum_received?.bytes ?? 0,
    retransmits: root.end?.sum_sent?.retransmits ?? 0,
  };
}
