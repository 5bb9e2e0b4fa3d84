/**
 * Sampling a load through several sides in alternation, with the CPU time the side's
 * processes (tunnel server and client together) spent meanwhile.
 * @module
 */

import type { Attempt } from "../../lib/attempt.ts";
import { sampleAlternately, type Side as AlternateSide } from "../../lib/alternate.ts";
import type { WithCpu } from "../../lib/cpu.ts";
import type { CaseOptions } from "../../lib/types.ts";
import { cpuOf, type Side, type SideName, unavailable } from "./side.ts";

/** Samples per side name. */
export type SideSamples<T> = ReadonlyMap<SideName, Attempt<WithCpu<T>>[]>;

/** What `sampleSides` runs. */
export interface LoadSpec<T> {
  /** Label in the progress log. */
  label: string;
  /** The sides, in alternation order. */
  sides: readonly Side[];
  /** The port of a side this load goes to (undefined: the side has none). */
  port: (side: Side) => number | undefined;
  /** Origins and tools the load needs. */
  needs: readonly (Attempt<unknown> | string)[];
  /** One run against a port. */
  run: (port: number) => Promise<T>;
}

/**
 * Runs `spec.run` against each side, alternating, `options.rounds` times.
 * @param spec the load and its sides
 * @param options rounds, tools, log
 * @returns the samples by side
 */
export async function sampleSides<T>(
  spec: LoadSpec<T>,
  options: CaseOptions,
): Promise<SideSamples<T>> {
  const sides: AlternateSide<WithCpu<T>>[] = spec.sides.map((side) => {
    const port = spec.port(side);
    const why = port === undefined
      ? "no such port on this side"
      : unavailable(side, spec.needs, options.available);
    if (why !== undefined || port === undefined) return { name: side.name, unavailable: why! };
    return { name: side.name, sample: () => withCpu(side, () => spec.run(port)) };
  });
  const samples = await sampleAlternately(
    sides,
    options.rounds,
    (l) => options.log(`${spec.label} ${l}`),
  );
  return samples as Map<SideName, Attempt<WithCpu<T>>[]>;
}

async function withCpu<T>(side: Side, fn: () => Promise<T>): Promise<WithCpu<T>> {
  const watched = side.watched;
  const before = watched.length === 0 ? 0 : await cpuOf(watched);
  const start = performance.now();
  const result = await fn();
  const wallSeconds = (performance.now() - start) / 1000;
  const cpuSeconds = watched.length === 0 ? null : await cpuOf(watched) - before;
  return { result, cpuSeconds, wallSeconds };
}
