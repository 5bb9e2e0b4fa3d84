/**
 * wrk -t1 -c50 against nginx, `wmproxy file-server` (Deno.serve) and a `[[http.server]]`
 * file_server location (raw front), for each file: rps, p99 latency and server CPU per
 * request, each of ours against nginx.
 * @module
 */

import { sampleAlternately, sideIf } from "../../lib/alternate.ts";
import { measureCpu, type WithCpu } from "../../lib/cpu.ts";
import { buildRow } from "../../lib/row.ts";
import type { CaseOptions, Row } from "../../lib/types.ts";
import { runWrk, type WrkResult } from "../../lib/wrk.ts";
import { FILES, type StaticFile, type StaticFleet } from "./fleet.ts";

const PEER = "nginx 1 worker, sendfile on";
const CONNECTIONS = 50;
const LOWER = "(lower is better: ratio = peer/ours)";

/**
 * Runs every file's load against the three servers, alternating, and builds the rows.
 * @param fleet the running servers
 * @param options duration, rounds, tools, log
 * @returns the rows
 */
export async function staticWrkRows(fleet: StaticFleet, options: CaseOptions): Promise<Row[]> {
  const rows: Row[] = [];
  for (const file of FILES) rows.push(...await fileRows(fleet, file, options));
  return rows;
}

async function fileRows(
  fleet: StaticFleet,
  file: StaticFile,
  options: CaseOptions,
): Promise<Row[]> {
  const seconds = options.durationSeconds;
  const warmup = seconds >= 5 ? 2 : 1;
  const load = { threads: 1, connections: CONNECTIONS };
  const measure = (port: number, pid?: number) => async (): Promise<WithCpu<WrkResult>> => {
    const url = `http://127.0.0.1:${port}${file.path}`;
    await runWrk(url, { ...load, durationSeconds: warmup });
    return await measureCpu(pid, () => runWrk(url, { ...load, durationSeconds: seconds }));
  };
  const pid = (p: StaticFleet["ours"]) => p.ok ? p.value.pid : undefined;
  const { available } = options;
  const sides = [
    sideIf("nginx", ["wrk", fleet.nginx], available, measure(fleet.ports.nginx, pid(fleet.nginx))),
    sideIf("ours", ["wrk", fleet.ours], available, measure(fleet.ports.ours, pid(fleet.ours))),
    sideIf(
      "raw-front",
      ["wrk", fleet.rawFront],
      available,
      measure(fleet.ports.rawFront, pid(fleet.rawFront)),
    ),
  ];
  const label = `${file.bytes >= 1 << 20 ? "1 MiB" : "1 KiB"}: wrk -t1 -c${CONNECTIONS} ` +
    `-d${seconds}s GET ${file.path}`;
  const samples = await sampleAlternately(sides, options.rounds, (l) => {
    options.log(`${label}: ${l}`);
  });
  const rows: Row[] = [];
  for (
    const [name, who] of [
      ["ours", "file-server verb (Deno.serve)"],
      ["raw-front", "[[http.server]] file_server location (raw front)"],
    ]
  ) {
    const common = { peer: samples.get("nginx")!, ours: samples.get(name)!, peerName: PEER };
    rows.push(
      buildRow({
        ...common,
        work: `${label}, ${who}, rps`,
        unit: "req/s",
        better: "higher",
        value: (s) => s.result.rps,
        warn: warning,
      }),
      buildRow({
        ...common,
        work: `${label}, ${who}, p99 latency ms ${LOWER}`,
        unit: "ms",
        better: "lower",
        value: (s) => s.result.latencyMs[99] ?? NaN,
      }),
      buildRow({
        ...common,
        work: `${label}, ${who}, server CPU µs per request ${LOWER}`,
        unit: "µs",
        better: "lower",
        value: (s) => s.cpuSeconds === null ? NaN : s.cpuSeconds * 1e6 / s.result.requests,
      }),
    );
  }
  return rows;
}

function warning({ result }: WithCpu<WrkResult>): string | undefined {
  if (result.socketErrors === 0 && result.non2xx === 0) return undefined;
  return `wrk saw ${result.socketErrors} socket errors and ${result.non2xx} non-2xx answers`;
}
