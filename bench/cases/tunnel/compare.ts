/**
 * Rows of the `tunnel` case: one side against another, from samples taken together.
 * @module
 */

import type { Attempt } from "../../lib/attempt.ts";
import { buildRow } from "../../lib/row.ts";
import type { Better, Row } from "../../lib/types.ts";
import { SIDE_LABELS, type SideName } from "./side.ts";

/** Suffix of every row where lower is better, so the ratio's direction is never a guess. */
export const LOWER_IS_BETTER = "(lower is better: ratio = peer/ours)";

/** What one comparison row reads. */
export interface CompareSpec<T> {
  /** The work and unit, e.g. `wrk -t1 -c50 via the tcp mapping, rps`. */
  work: string;
  /** Unit of the values. */
  unit: string;
  /** Which direction is better. */
  better: Better;
  /** The number a sample gives. */
  value: (sample: T) => number;
  /** A warning about one sample. @default none */
  warn?: (sample: T) => string | undefined;
}

/**
 * One row per pair: the first side is "ours", the second the peer.
 * @param samples samples by side
 * @param pairs [ours, peer] side names
 * @param spec the work, unit and value
 * @returns the rows, in pair order
 */
export function compareRows<T>(
  samples: ReadonlyMap<SideName, readonly Attempt<T>[]>,
  pairs: readonly (readonly [SideName, SideName])[],
  spec: CompareSpec<T>,
): Row[] {
  return pairs.map(([ours, peer]) => {
    const row = buildRow({
      work: `${spec.work}${spec.better === "lower" ? ` ${LOWER_IS_BETTER}` : ""}`,
      unit: spec.unit,
      better: spec.better,
      peerName: SIDE_LABELS[peer],
      peer: samples.get(peer) ?? [{ ok: false, error: "not measured" }],
      ours: samples.get(ours) ?? [{ ok: false, error: "not measured" }],
      value: spec.value,
      warn: spec.warn,
    });
    // "ours" in the notes and the work column says which of our sides this row is.
    return { ...row, work: `${SIDE_LABELS[ours]}: ${row.work}` };
  });
}
