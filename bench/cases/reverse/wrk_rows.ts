/**
 * HTTP load through each reverse proxy: wrk against nginx and against ours at -c50 and -c200
 * with two body sizes and at -c1000 with 1 KiB in front of one origin, and at -c50 with 1 KiB
 * over two origins; with 1 KiB in front of one origin also against the floor, a minimal Deno
 * relay; every load also through ours with `workers = 2`, compared with ours (`workers = 1`).
 * @module
 */

import { sampleAlternately, sideIf } from "../../lib/alternate.ts";
import { measureCpu, type WithCpu } from "../../lib/cpu.ts";
import { buildRow } from "../../lib/row.ts";
import type { CaseOptions, Row } from "../../lib/types.ts";
import { withWorkerSpread, type WorkerSpread, workersRows } from "../../lib/workers_rows.ts";
import { runWrk, type WrkResult } from "../../lib/wrk.ts";
import { readWorkerAccepted } from "../../servers/wmproxy_status.ts";
import { type NginxBody, readNginxAccepts } from "../../servers/nginx.ts";
import type { Fleet, ProxyPorts } from "./fleet.ts";
import { BODY_1K, BODY_64K, FLOOR, LOWER_IS_BETTER, PEER, THREADS } from "./names.ts";

/**
 * One measured run and how many connections the origins accepted meanwhile (and, for ours with
 * workers, each worker).
 */
export interface Sample extends WithCpu<WrkResult>, WorkerSpread {
  /** Connections the origins behind the proxy accepted during the measured run. */
  upstreamConnections: number;
}

/** One load: concurrency, body, and which listener (one origin or two). */
export interface Workload {
  /** wrk connections. */
  connections: number;
  /** The body requested. */
  body: NginxBody;
  /** Whether the load goes through the listener balancing over both origins. */
  pair: boolean;
}

/** Every load, in the order they run. */
export const WORKLOADS: readonly Workload[] = [
  { connections: 50, body: BODY_1K, pair: false },
  { connections: 50, body: BODY_64K, pair: false },
  { connections: 200, body: BODY_1K, pair: false },
  { connections: 200, body: BODY_64K, pair: false },
  { connections: 1000, body: BODY_1K, pair: false },
  { connections: 50, body: BODY_1K, pair: true },
];

/**
 * Whether a workload also runs against the floor relay: 1 KiB in front of one origin (the relay
 * has no balancing, and at 64 KiB it would measure copying, not proxying).
 * @param workload the load
 * @returns true for the 1 KiB one-origin loads
 */
export function measuresFloor(workload: Workload): boolean {
  return !workload.pair && workload.body === BODY_1K;
}

/**
 * For each workload, runs wrk (after a short warm-up) against each proxy, alternating, and
 * reports rps, p99 latency, the proxy's CPU time per request and the upstream connections it
 * opened per 1000 requests (from the origins' `stub_status` accepts counters). Where
 * `measuresFloor`, the floor relay is a third side in the same alternation, and ours' rps and p99
 * are also compared with it. Ours with `workers = 2` is a side of every workload, compared with
 * ours in rps, p99, CPU per request and the spread of connections over its workers.
 * @param fleet the running processes
 * @param options duration, rounds, tools, log
 * @returns the rows
 */
export async function wrkRows(fleet: Fleet, options: CaseOptions): Promise<Row[]> {
  const rows: Row[] = [];
  for (const workload of WORKLOADS) rows.push(...await workloadRows(fleet, workload, options));
  return rows;
}

/**
 * The label of a workload's rows.
 * @param workload the load
 * @param seconds measured seconds
 * @returns e.g. `1 origin, 1 KiB: wrk -t1 -c50 -d10s GET /1k`
 */
export function workloadLabel(workload: Workload, seconds: number): string {
  const origins = workload.pair ? "2 origins round robin" : "1 origin";
  const size = `${workload.body.bytes / 1024} KiB`;
  return `${origins}, ${size}: wrk -t${THREADS} -c${workload.connections} -d${seconds}s ` +
    `GET ${workload.body.path}`;
}

async function workloadRows(
  fleet: Fleet,
  workload: Workload,
  options: CaseOptions,
): Promise<Row[]> {
  const seconds = options.durationSeconds;
  const warmupSeconds = seconds >= 5 ? 2 : 1;
  const originPorts = workload.pair ? fleet.origins : [fleet.origins[0]];
  async function accepted(): Promise<number> {
    let sum = 0;
    for (const port of originPorts) sum += await readNginxAccepts(port);
    return sum;
  }
  function measure(port: number, pid?: number, control?: number): () => Promise<Sample> {
    const url = `http://127.0.0.1:${port}${workload.body.path}`;
    const load = { threads: THREADS, connections: workload.connections };
    const read = control === undefined ? undefined : () => readWorkerAccepted(control);
    return async () => {
      await runWrk(url, { ...load, durationSeconds: warmupSeconds });
      const before = await accepted();
      const run = await withWorkerSpread(
        read,
        () => measureCpu(pid, () => runWrk(url, { ...load, durationSeconds: seconds })),
      );
      return { ...run, upstreamConnections: await accepted() - before };
    };
  }
  const { originA, originB, nginx, ours, oursWorkers, floor } = fleet;
  const { available } = options;
  const origins = workload.pair ? [originA, originB] : [originA];
  const pid = (process: typeof ours) => process.ok ? process.value.pid : undefined;
  const port = (ports: ProxyPorts) => workload.pair ? ports.pair : ports.single;
  const sides = [
    sideIf(
      "nginx",
      ["wrk", ...origins, nginx],
      available,
      measure(port(fleet.nginxPorts), pid(nginx)),
    ),
    sideIf("ours", ["wrk", ...origins, ours], available, measure(port(fleet.oursPorts), pid(ours))),
    sideIf(
      "ours-workers",
      ["wrk", ...origins, oursWorkers],
      available,
      measure(port(fleet.oursWorkersPorts), pid(oursWorkers), fleet.oursWorkersControl),
    ),
    ...measuresFloor(workload)
      ? [sideIf("floor", ["wrk", originA, floor], available, measure(fleet.floorPort, pid(floor)))]
      : [],
  ];
  const label = workloadLabel(workload, seconds);
  const samples = await sampleAlternately(sides, options.rounds, (l) => {
    options.log(`${label}: ${l}`);
  });
  const common = {
    peer: samples.get("nginx")!,
    ours: samples.get("ours")!,
    peerName: PEER,
  };
  const rows = [
    buildRow({
      ...common,
      work: `${label}, rps`,
      unit: "req/s",
      better: "higher",
      value: (s) => s.result.rps,
      warn: warning,
    }),
    buildRow({
      ...common,
      work: `${label}, p99 latency ms ${LOWER_IS_BETTER}`,
      unit: "ms",
      better: "lower",
      value: (s) => s.result.latencyMs[99] ?? NaN,
    }),
    buildRow({
      ...common,
      work: `${label}, proxy CPU µs per request ${LOWER_IS_BETTER}`,
      unit: "µs",
      better: "lower",
      value: cpuPerRequest,
    }),
    buildRow({
      ...common,
      work: `${label}, upstream connections opened per 1000 requests ${LOWER_IS_BETTER}`,
      unit: "conn",
      better: "lower",
      value: connectionsPerThousand,
      warn: churnWarning,
    }),
  ];
  const workers = workersRows({
    work: label,
    cpuOf: "proxy",
    lowerIsBetter: LOWER_IS_BETTER,
    one: common.ours,
    two: samples.get("ours-workers")!,
    warn: warning,
  });
  if (!measuresFloor(workload)) return [...rows, ...workers];
  const vsFloor = { peer: samples.get("floor")!, ours: common.ours, peerName: FLOOR };
  return [
    ...rows,
    buildRow({
      ...vsFloor,
      work: `${label}, rps vs the floor`,
      unit: "req/s",
      better: "higher",
      value: (s) => s.result.rps,
      warn: warning,
    }),
    buildRow({
      ...vsFloor,
      work: `${label}, p99 latency ms vs a minimal Deno relay (floor) ${LOWER_IS_BETTER}`,
      unit: "ms",
      better: "lower",
      value: (s) => s.result.latencyMs[99] ?? NaN,
    }),
    ...workers,
  ];
}

/** CPU microseconds the proxy spent per completed request of the measured run. */
function cpuPerRequest({ cpuSeconds, result }: Sample): number {
  return cpuSeconds === null ? NaN : cpuSeconds * 1e6 / result.requests;
}

/**
 * Upstream connections the proxy opened per 1000 completed requests of the measured run.
 * @param sample one run
 * @returns connections per 1000 requests
 */
export function connectionsPerThousand({ upstreamConnections, result }: Sample): number {
  return upstreamConnections * 1000 / result.requests;
}

/**
 * A note on a run with socket errors or non-2xx answers.
 * @param sample one run
 * @returns the note, or undefined for a clean run
 */
export function warning({ result }: Sample): string | undefined {
  const { socketErrors, socketErrorsByKind: kinds, non2xx } = result;
  if (socketErrors === 0 && non2xx === 0) return undefined;
  return `wrk saw socket errors (connect ${kinds.connect}, read ${kinds.read}, write ` +
    `${kinds.write}, timeout ${kinds.timeout}) and ${non2xx} non-2xx answers in a run`;
}

/**
 * A note on a run where the proxy kept opening upstream connections (more than one per 100
 * requests) instead of reusing kept-alive ones; at -c1000 both proxies do.
 * @param sample one run
 * @returns the note, or undefined when connections were reused
 */
export function churnWarning(sample: Sample): string | undefined {
  if (sample.upstreamConnections * 100 <= sample.result.requests) return undefined;
  return "kept opening upstream connections during the run, more than 1 per 100 requests " +
    "(connect churn: with more requests in flight than idle connections kept per server, 256 " +
    "on both sides here (nginx `keepalive 256`, wmproxy's default `keepalive`), a connection " +
    "freed beyond that is closed and a new one opened later)";
}
