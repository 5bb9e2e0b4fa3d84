/**
 * Case `http-proxy`: wmproxy's `[proxy]` as an HTTP forward proxy against tinyproxy and squid
 * (one process), all in front of one nginx answering `200 ok`. wrk sends absolute-form requests
 * over kept-alive connections, then with `Connection: close` (a new connection per request);
 * nginx loaded directly is the reference row.
 * @module
 */

import { stopProcess } from "../lib/process.ts";
import type { BenchCase, CaseOptions, Row, Tool } from "../lib/types.ts";
import { type Fleet, startFleet } from "./http_proxy/fleet.ts";
import { memoryRows } from "./http_proxy/memory_rows.ts";
import { wrkRows } from "./http_proxy/wrk_rows.ts";

const TOOLS: readonly Tool[] = [
  { command: "nginx", versionArgs: ["-v"] },
  { command: "wrk", versionArgs: ["-v"] },
  { command: "tinyproxy", versionArgs: ["-v"] },
  { command: "squid", versionArgs: ["-v"] },
];

/** The `http-proxy` case. */
export const HTTP_PROXY_CASE: BenchCase = {
  name: "http-proxy",
  description: "HTTP forward proxy: wmproxy [proxy] vs tinyproxy and squid (-N, workers 1); " +
    "wrk absolute-form GETs to an nginx origin, keep-alive and Connection: close",
  tools: TOOLS,
  run: runHttpProxyCase,
};

async function runHttpProxyCase(options: CaseOptions): Promise<Row[]> {
  const dir = await Deno.makeTempDir({ prefix: "wmproxy-bench-http-proxy-" });
  let fleet: Fleet | undefined;
  try {
    fleet = await startFleet(dir, options);
    return [...await wrkRows(fleet, dir, options), ...await memoryRows(fleet)];
  } finally {
    for (const process of fleet?.started.toReversed() ?? []) await stopProcess(process);
    await Deno.remove(dir, { recursive: true });
  }
}
