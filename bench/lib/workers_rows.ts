/**
 * Ours with `workers = 2` beside ours with `workers = 1` under the same wrk load: rps, p99, CPU
 * per request of the whole process (every thread), and how the kernel spread the connections
 * over the workers (from `/status`).
 * @module
 */

import type { Attempt } from "./attempt.ts";
import type { WithCpu } from "./cpu.ts";
import { buildRow } from "./row.ts";
import type { Row } from "./types.ts";
import type { WrkResult } from "./wrk.ts";

/** Workers of the second instance of ours. */
export const WORKERS = 2;

/** How the `workers = 1` instance is named in the peer column of these rows. */
export const ONE_WORKER = "ours, workers = 1";

/** How the notes name the `workers = 2` instance (in the ours column). */
export const TWO_WORKERS = `ours, workers = ${WORKERS}`;

/** Connections each worker accepted during a measured run. */
export interface WorkerSpread {
  /** Accepted connections per worker, by worker id; absent for a side without workers. */
  acceptedPerWorker?: readonly number[];
}

/**
 * Runs `fn` between two reads of the accepted-per-worker counters and adds the difference.
 * @param read reads the counters (e.g. `readWorkerAccepted` of the control port), or undefined
 *   for a side without a control endpoint
 * @param fn the measured load
 * @returns what `fn` returned, with `acceptedPerWorker` when `read` was given
 * @throws Error when the number of workers changed during the run
 */
export async function withWorkerSpread<T extends object>(
  read: (() => Promise<number[]>) | undefined,
  fn: () => Promise<T>,
): Promise<T & WorkerSpread> {
  if (read === undefined) return await fn();
  const before = await read();
  const result = await fn();
  const after = await read();
  if (after.length !== before.length) {
    throw new Error(`workers went from ${before.length} to ${after.length} during the run`);
  }
  return { ...result, acceptedPerWorker: after.map((n, i) => n - before[i]) };
}

/** What `workersRows` compares. */
export interface WorkersRowsSpec<T extends WithCpu<WrkResult> & WorkerSpread> {
  /** The load's label, e.g. `wrk -t1 -c50 -d10s`. */
  work: string;
  /** Who the CPU row counts: `forwarder` or `proxy`. */
  cpuOf: string;
  /** The case's "(lower is better …)" wording. */
  lowerIsBetter: string;
  /** Samples of ours with `workers = 1`. */
  one: readonly Attempt<T>[];
  /** Samples of ours with `workers = 2`. */
  two: readonly Attempt<T>[];
  /** A warning about one sample (socket errors), or undefined. @default none */
  warn?: (sample: T) => string | undefined;
}

/**
 * Rows with `workers = 2` in the ours column and `workers = 1` in the peer column: rps, p99,
 * CPU µs per request over the whole process, and the spread of connections over the workers.
 * @param spec the samples
 * @returns four rows
 */
export function workersRows<T extends WithCpu<WrkResult> & WorkerSpread>(
  spec: WorkersRowsSpec<T>,
): Row[] {
  const work = `${spec.work}, workers = ${WORKERS} vs 1`;
  const common = { peer: spec.one, ours: spec.two, peerName: ONE_WORKER, oursName: TWO_WORKERS };
  return [
    buildRow({
      ...common,
      work: `${work}, rps`,
      unit: "req/s",
      better: "higher",
      value: (s) => s.result.rps,
      warn: spec.warn,
    }),
    buildRow({
      ...common,
      work: `${work}, p99 latency ms ${spec.lowerIsBetter}`,
      unit: "ms",
      better: "lower",
      value: (s) => s.result.latencyMs[99] ?? NaN,
    }),
    buildRow({
      ...common,
      work: `${work}, ${spec.cpuOf} CPU µs per request (all threads) ${spec.lowerIsBetter}`,
      unit: "µs",
      better: "lower",
      value: (s) => s.cpuSeconds === null ? NaN : s.cpuSeconds * 1e6 / s.result.requests,
    }),
    spreadRow(work, spec.two, spec.lowerIsBetter),
  ];
}

/**
 * The busiest worker's share of the connections accepted during the measured runs (summed over
 * them), against an even spread; the work text carries every worker's share.
 * @param work the load's label
 * @param samples the `workers = 2` samples
 * @param lowerIsBetter the case's "(lower is better …)" wording
 * @returns the row
 */
export function spreadRow(
  work: string,
  samples: readonly Attempt<WorkerSpread>[],
  lowerIsBetter: string,
): Row {
  const total = sumPerWorker(samples);
  const split = total.ok ? ` ${formatSpread(total.value)}` : "";
  const workers = total.ok ? total.value.length : WORKERS;
  return buildRow({
    work: `${work}, busiest worker's share of accepted connections %${split} ${lowerIsBetter}`,
    peerName: `even spread (100 % / ${workers})`,
    peer: [{ ok: true, value: Array(workers).fill(1) }],
    ours: [total],
    oursName: TWO_WORKERS,
    unit: "%",
    better: "lower",
    value: busiestShare,
  });
}

/**
 * Accepted connections per worker summed over the successful samples.
 * @param samples samples with `acceptedPerWorker`
 * @returns the sums, or the first error when no sample has counts
 */
export function sumPerWorker(samples: readonly Attempt<WorkerSpread>[]): Attempt<number[]> {
  let sum: number[] | undefined;
  for (const sample of samples) {
    const counts = sample.ok ? sample.value.acceptedPerWorker : undefined;
    if (counts === undefined) continue;
    sum = counts.map((n, i) => n + (sum?.[i] ?? 0));
  }
  if (sum !== undefined) return { ok: true, value: sum };
  const failed = samples.find((s) => !s.ok);
  return failed ?? { ok: false, error: "no sample counted accepted connections per worker" };
}

/**
 * The largest share of the total, in percent.
 * @param perWorker counts per worker
 * @returns percent, NaN when the total is 0
 */
export function busiestShare(perWorker: readonly number[]): number {
  const total = perWorker.reduce((a, b) => a + b, 0);
  return total === 0 ? NaN : Math.max(...perWorker) * 100 / total;
}

/**
 * Each worker's share, e.g. `(per worker 52/48 % of 100)`.
 * @param perWorker counts per worker
 * @returns the text
 */
export function formatSpread(perWorker: readonly number[]): string {
  const total = perWorker.reduce((a, b) => a + b, 0);
  if (total === 0) return "(no connections counted)";
  const shares = perWorker.map((n) => Math.round(n * 100 / total));
  return `(per worker ${shares.join("/")} % of ${total})`;
}
