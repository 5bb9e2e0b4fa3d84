/**
 * Case `reverse`: wmproxy's `[[http.server]]` reverse proxy against nginx (one worker,
 * `proxy_pass` to an `upstream` with `keepalive 256`), both in front of nginx origins answering
 * 1 KiB (`return 200`) and 64 KiB (a file, sendfile) bodies; wrk at -c50 and -c200 through one
 * origin, at -c1000 with 1 KiB through one origin, and at -c50 with 1 KiB over two origins round
 * robin. The 1 KiB one-origin loads also run through the floor, a minimal Deno TCP relay.
 * @module
 */

import { stopProcess } from "../lib/process.ts";
import type { BenchCase, CaseOptions, Row, Tool } from "../lib/types.ts";
import { type Fleet, startFleet } from "./reverse/fleet.ts";
import { memoryRows } from "./reverse/memory_rows.ts";
import { wrkRows } from "./reverse/wrk_rows.ts";

const TOOLS: readonly Tool[] = [
  { command: "nginx", versionArgs: ["-v"] },
  { command: "wrk", versionArgs: ["-v"] },
];

/** The `reverse` case. */
export const REVERSE_CASE: BenchCase = {
  name: "reverse",
  description: "HTTP reverse proxy: wmproxy [[http.server]] vs nginx proxy_pass (1 worker, " +
    "upstream keepalive 256) and a minimal Deno relay (floor); nginx origins with 1 KiB and " +
    "64 KiB bodies, one and two servers",
  tools: TOOLS,
  run: runReverseCase,
};

async function runReverseCase(options: CaseOptions): Promise<Row[]> {
  const dir = await Deno.makeTempDir({ prefix: "wmproxy-bench-reverse-" });
  let fleet: Fleet | undefined;
  try {
    fleet = await startFleet(dir, options);
    return [...await wrkRows(fleet, options), ...await memoryRows(fleet)];
  } finally {
    for (const process of fleet?.started.toReversed() ?? []) await stopProcess(process);
    await Deno.remove(dir, { recursive: true });
  }
}
