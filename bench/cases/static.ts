/**
 * Case `static`: static files. nginx (one worker, sendfile on) against `wmproxy file-server`
 * (`Deno.serve` with lib/static's `StaticFiles.handle`) and against a `[[http.server]]`
 * file_server location (the reverse proxy's raw HTTP/1.1 front); wrk -t1 -c50 on a 1 KiB and
 * a 1 MiB file.
 * @module
 */

import { stopProcess } from "../lib/process.ts";
import type { BenchCase, CaseOptions, Row, Tool } from "../lib/types.ts";
import { startStaticFleet, type StaticFleet } from "./static/fleet.ts";
import { staticWrkRows } from "./static/wrk_rows.ts";

const TOOLS: readonly Tool[] = [
  { command: "nginx", versionArgs: ["-v"] },
  { command: "wrk", versionArgs: ["-v"] },
];

/** The `static` case. */
export const STATIC_CASE: BenchCase = {
  name: "static",
  description: "static files: wmproxy file-server (Deno.serve) and a [[http.server]] " +
    "file_server location (raw front) vs nginx (1 worker, sendfile on); 1 KiB and 1 MiB " +
    "files, wrk -t1 -c50",
  tools: TOOLS,
  run: runStaticCase,
};

async function runStaticCase(options: CaseOptions): Promise<Row[]> {
  const dir = await Deno.makeTempDir({ prefix: "wmproxy-bench-static-" });
  let fleet: StaticFleet | undefined;
  try {
    fleet = await startStaticFleet(dir, options);
    return await staticWrkRows(fleet, options);
  } finally {
    for (const process of fleet?.started.toReversed() ?? []) await stopProcess(process);
    await Deno.remove(dir, { recursive: true });
  }
}
