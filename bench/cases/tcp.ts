/**
 * Case `tcp`: L4 forwarding by wmproxy's `[[stream.server]]` against HAProxy in `mode tcp`,
 * both single-threaded, with nginx (HTTP load from wrk) and iperf3 (bulk throughput) behind
 * them. Direct runs against nginx and iperf3 are reference rows: the cost of any proxy at all.
 * @module
 */

import { stopProcess } from "../lib/process.ts";
import type { BenchCase, CaseOptions, Row, Tool } from "../lib/types.ts";
import { type Fleet, startFleet } from "./tcp/fleet.ts";
import { iperf3Rows } from "./tcp/iperf3_rows.ts";
import { memoryRows } from "./tcp/memory_rows.ts";
import { wrkRows } from "./tcp/wrk_rows.ts";

const TOOLS: readonly Tool[] = [
  { command: "nginx", versionArgs: ["-v"] },
  { command: "haproxy", versionArgs: ["-v"] },
  { command: "wrk", versionArgs: ["-v"] },
  { command: "iperf3", versionArgs: ["--version"] },
];

/** The `tcp` case. */
export const TCP_CASE: BenchCase = {
  name: "tcp",
  description: "TCP forwarding: wmproxy [[stream.server]] vs HAProxy mode tcp (nbthread 1); " +
    "nginx and iperf3 upstream",
  tools: TOOLS,
  run: runTcpCase,
};

async function runTcpCase(options: CaseOptions): Promise<Row[]> {
  const dir = await Deno.makeTempDir({ prefix: "wmproxy-bench-tcp-" });
  let fleet: Fleet | undefined;
  try {
    fleet = await startFleet(dir, options);
    return [
      ...await wrkRows(fleet, options),
      ...await iperf3Rows(fleet, options),
      ...await memoryRows(fleet),
    ];
  } finally {
    for (const process of fleet?.started.toReversed() ?? []) await stopProcess(process);
    await Deno.remove(dir, { recursive: true });
  }
}
