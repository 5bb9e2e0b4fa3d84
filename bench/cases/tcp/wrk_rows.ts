/**
 * HTTP load through each forwarder: wrk against nginx directly, via HAProxy, via ours and via
 * ours with `workers = 2`.
 * @module
 */

import { sampleAlternately, sideIf } from "../../lib/alternate.ts";
import { measureCpu, type WithCpu } from "../../lib/cpu.ts";
import { buildRow } from "../../lib/row.ts";
import type { CaseOptions, Row } from "../../lib/types.ts";
import { withWorkerSpread, type WorkerSpread, workersRows } from "../../lib/workers_rows.ts";
import { runWrk, type WrkResult } from "../../lib/wrk.ts";
import { readWorkerAccepted } from "../../servers/wmproxy_status.ts";
import type { Fleet } from "./fleet.ts";
import { LOWER_IS_BETTER, PEER } from "./names.ts";

const THREADS = 1;
const CONNECTIONS = 50;

/**
 * Runs wrk (after a short warm-up) against each side, alternating, and reports rps, p99
 * latency and the forwarder's CPU time per request; then ours with `workers = 2` against ours
 * with `workers = 1` (rps, p99, CPU per request, connections per worker).
 * @param fleet the running processes
 * @param options duration, rounds, tools, log
 * @returns the rows
 */
export async function wrkRows(fleet: Fleet, options: CaseOptions): Promise<Row[]> {
  const seconds = options.durationSeconds;
  const warmupSeconds = seconds >= 5 ? 2 : 1;
  function measure(port: number, pid?: number, control?: number): () => Promise<Sample> {
    const url = `http://127.0.0.1:${port}/`;
    const load = { threads: THREADS, connections: CONNECTIONS };
    const read = control === undefined ? undefined : () => readWorkerAccepted(control);
    return async () => {
      await runWrk(url, { ...load, durationSeconds: warmupSeconds });
      return await withWorkerSpread(
        read,
        () => measureCpu(pid, () => runWrk(url, { ...load, durationSeconds: seconds })),
      );
    };
  }
  const { nginx, haproxy, ours, oursWorkers } = fleet;
  const { available } = options;
  const sides = [
    sideIf("direct", ["wrk", nginx], available, measure(fleet.upstream.http)),
    sideIf(
      "haproxy",
      ["wrk", nginx, haproxy],
      available,
      measure(fleet.haproxyPorts.http, haproxy.ok ? haproxy.value.pid : undefined),
    ),
    sideIf(
      "ours",
      ["wrk", nginx, ours],
      available,
      measure(fleet.oursPorts.http, ours.ok ? ours.value.pid : undefined),
    ),
    sideIf(
      "ours-workers",
      ["wrk", nginx, oursWorkers],
      available,
      measure(
        fleet.oursWorkersPort,
        oursWorkers.ok ? oursWorkers.value.pid : undefined,
        fleet.oursWorkersControl,
      ),
    ),
  ];
  const samples = await sampleAlternately(sides, options.rounds, (l) => options.log(`wrk ${l}`));
  const work = `wrk -t${THREADS} -c${CONNECTIONS} -d${seconds}s`;
  const common = {
    peer: samples.get("haproxy")!,
    ours: samples.get("ours")!,
    peerName: PEER,
    warn: warning,
  };
  return [
    buildRow({
      ...common,
      work: `${work}, rps`,
      unit: "req/s",
      better: "higher",
      value: (s) => s.result.rps,
    }),
    buildRow({
      ...common,
      work: `${work}, p99 latency ms ${LOWER_IS_BETTER}`,
      unit: "ms",
      better: "lower",
      value: (s) => s.result.latencyMs[99] ?? NaN,
    }),
    buildRow({
      ...common,
      work: `${work}, forwarder CPU µs per request ${LOWER_IS_BETTER}`,
      unit: "µs",
      better: "lower",
      value: (s) => s.cpuSeconds === null ? NaN : s.cpuSeconds * 1e6 / s.result.requests,
    }),
    buildRow({
      ...common,
      work: `${work}, rps — reference: nginx without proxy`,
      peer: samples.get("direct")!,
      peerName: "nginx direct",
      unit: "req/s",
      better: "higher",
      value: (s) => s.result.rps,
    }),
    ...workersRows({
      work,
      cpuOf: "forwarder",
      lowerIsBetter: LOWER_IS_BETTER,
      one: samples.get("ours")!,
      two: samples.get("ours-workers")!,
      warn: warning,
    }),
  ];
}

type Sample = WithCpu<WrkResult> & WorkerSpread;

function warning({ result }: Sample): string | undefined {
  if (result.socketErrors === 0 && result.non2xx === 0) return undefined;
  return `wrk saw ${result.socketErrors} socket errors and ${result.non2xx} non-2xx answers in a run`;
}
