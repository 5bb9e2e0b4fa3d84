/**
 * Case `udp`: UDP forwarding by wmproxy's `[[stream.server]]` (`bind_mode = "udp"`) against
 * nginx's stream module (one worker) and socat (`fork`, a child per client), all in front of
 * one UDP echo server. A load generator keeps 16 client sockets, each with 4 datagrams in
 * flight, and counts the replies; the echo server loaded directly is the reference row.
 * @module
 */

import { stopProcess } from "../lib/process.ts";
import type { BenchCase, CaseOptions, Row, Tool } from "../lib/types.ts";
import { type Fleet, startFleet } from "./udp/fleet.ts";
import { loadRows } from "./udp/load_rows.ts";
import { memoryRows } from "./udp/memory_rows.ts";

const TOOLS: readonly Tool[] = [
  { command: "python3", versionArgs: ["--version"] },
  { command: "nginx", versionArgs: ["-v"] },
  { command: "socat", versionArgs: ["-V"], versionLine: /^socat version/ },
];

/** The `udp` case. */
export const UDP_CASE: BenchCase = {
  name: "udp",
  description: "UDP forwarding: wmproxy [[stream.server]] bind_mode udp vs nginx stream " +
    "(1 worker) and socat fork; request/response load against a UDP echo upstream",
  tools: TOOLS,
  run: runUdpCase,
};

async function runUdpCase(options: CaseOptions): Promise<Row[]> {
  const dir = await Deno.makeTempDir({ prefix: "wmproxy-bench-udp-" });
  let fleet: Fleet | undefined;
  try {
    fleet = await startFleet(dir, options);
    return [...await loadRows(fleet, options), ...await memoryRows(fleet)];
  } finally {
    for (const process of fleet?.started.toReversed() ?? []) await stopProcess(process);
    await Deno.remove(dir, { recursive: true });
  }
}
