/**
 * Measuring several sides in alternation, so drift on a noisy machine hits all of them alike.
 * @module
 */

import { type Attempt, attempt } from "./attempt.ts";

/** One side of a comparison: a way to take a sample, or why there is none. */
export type Side<T> =
  | { name: string; sample: () => Promise<T> }
  | { name: string; unavailable: string };

/**
 * Takes `rounds` samples of every side, interleaved A B C, C B A, A B C, ... so that neither
 * side always runs first or last. A failed sample is kept as a failed attempt; a side that is
 * unavailable gets a single failed attempt with its reason.
 * @param sides the sides to measure
 * @param rounds samples per available side
 * @param log called before each sample with `round i/n: <side>`
 * @returns samples per side name, in the order they were taken
 */
export async function sampleAlternately<T>(
  sides: readonly Side<T>[],
  rounds: number,
  log: (line: string) => void,
): Promise<Map<string, Attempt<T>[]>> {
  const samples = new Map<string, Attempt<T>[]>();
  for (const side of sides) {
    samples.set(side.name, "unavailable" in side ? [{ ok: false, error: side.unavailable }] : []);
  }
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      if ("unavailable" in side) continue;
      log(`round ${round + 1}/${rounds}: ${side.name}`);
      samples.get(side.name)!.push(await attempt(side.sample));
    }
  }
  return samples;
}

/**
 * A side that can be sampled only when every process started for it is up and every tool it
 * runs is installed; otherwise unavailable with the first reason found.
 * @param name side name
 * @param needs started processes (as attempts) and tool commands
 * @param available installed tool commands
 * @param sample how to take one sample
 * @returns the side
 */
export function sideIf<T>(
  name: string,
  needs: readonly (Attempt<unknown> | string)[],
  available: ReadonlySet<string>,
  sample: () => Promise<T>,
): Side<T> {
  for (const need of needs) {
    if (typeof need === "string") {
      if (!available.has(need)) return { name, unavailable: `${need} is not installed` };
    } else if (!need.ok) {
      return { name, unavailable: need.error };
    }
  }
  return { name, sample };
}
