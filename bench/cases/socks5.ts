/**
 * Case `socks5`: wmproxy's `[proxy]` as a SOCKS5 proxy against dante and microsocks, all in
 * front of one nginx. A Python client keeps 50 iterations in flight, each a new connection, a
 * SOCKS5 CONNECT, one `Connection: close` GET and its response read to EOF; the same client
 * against nginx directly is the reference row. Then 100 MiB downloads measure the tunnel's
 * throughput.
 * @module
 */

import { stopProcess } from "../lib/process.ts";
import type { BenchCase, CaseOptions, Row, Tool } from "../lib/types.ts";
import { bulkRows } from "./socks5/bulk_rows.ts";
import { type Fleet, startFleet } from "./socks5/fleet.ts";
import { loadRows } from "./socks5/load_rows.ts";
import { memoryRows } from "./socks5/memory_rows.ts";

const TOOLS: readonly Tool[] = [
  { command: "python3", versionArgs: ["--version"] },
  { command: "nginx", versionArgs: ["-v"] },
  { command: "danted", versionArgs: ["-v"] },
  {
    command: "microsocks",

    versionArgs: ["-h"],
    versionCommand: ["dpkg-query", "-W", "-f", "microsocks ${Version}\n", "microsocks"],
  },
];

/** The `socks5` case. */
export const SOCKS5_CASE: BenchCase = {
  name: "socks5",
  description: "SOCKS5: wmproxy [proxy] vs dante and microsocks; new connection + CONNECT + " +
    "GET per iteration to an nginx target, and 100 MiB tunnel downloads",
  tools: TOOLS,
  run: runSocks5Case,
};

async function runSocks5Case(options: CaseOptions): Promise<Row[]> {
  const dir = await Deno.makeTempDir({ prefix: "wmproxy-bench-socks5-" });
  let fleet: Fleet | undefined;
  try {
    fleet = await startFleet(dir, options);
    return [
      ...await loadRows(fleet, options),
      ...await bulkRows(fleet, options),
      ...await memoryRows(fleet),
    ];
  } finally {
    for (const process of fleet?.started.toReversed() ?? []) await stopProcess(process);
    await Deno.remove(dir, { recursive: true });
  }
}
