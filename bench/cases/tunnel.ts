/**
 * Case `tunnel`: ours' NAT traversal tunnel (a server and a client process, TLS on and off)
 * against OpenSSH remote forwarding (`ssh -R` through a private sshd), ours' plain
 * `[[stream.server]]` forwarder and no tunnel at all, to nginx (wrk), iperf3 and a TCP echo
 * (idle streams), all on loopback.
 * @module
 */

import { stopProcess } from "../lib/process.ts";
import type { BenchCase, CaseOptions, Row, Tool } from "../lib/types.ts";
import { type Fleet, startFleet } from "./tunnel/fleet.ts";
import { idleRows } from "./tunnel/idle_rows.ts";
import { iperf3Rows } from "./tunnel/iperf3_rows.ts";
import { memoryRows } from "./tunnel/memory_rows.ts";
import { wrkRows } from "./tunnel/wrk_rows.ts";

const TOOLS: readonly Tool[] = [
  { command: "nginx", versionArgs: ["-v"] },
  { command: "wrk", versionArgs: ["-v"] },
  { command: "iperf3", versionArgs: ["--version"] },
  { command: "sshd", versionArgs: ["-V"] },
  { command: "ssh", versionArgs: ["-V"] },
];

/** The `tunnel` case. */
export const TUNNEL_CASE: BenchCase = {
  name: "tunnel",
  description: "NAT traversal tunnel: ours (TLS on and off) vs ssh -R, ours' [[stream.server]] " +
    "and direct; nginx, iperf3 and an echo upstream",
  tools: TOOLS,
  run: runTunnelCase,
};

async function runTunnelCase(options: CaseOptions): Promise<Row[]> {
  const dir = await Deno.makeTempDir({ prefix: "wmproxy-bench-tunnel-" });
  let fleet: Fleet | undefined;
  try {
    fleet = await startFleet(dir, options);
    // Idle streams first, on fresh processes: memory the load leaves behind would absorb them.
    const idle = await idleRows(fleet, options);
    const load = [...await wrkRows(fleet, options), ...await iperf3Rows(fleet, options)];
    return [...load, ...await memoryRows(fleet), ...idle];
  } finally {
    for (const process of fleet?.started.toReversed() ?? []) await stopProcess(process);
    await Deno.remove(dir, { recursive: true });
  }
}
