/**
 * Turning the samples of a peer and of ours into one result row.
 * @module
 */

import type { Attempt } from "./attempt.ts";
import { formatValue } from "./table.ts";
import type { Better, Row } from "./types.ts";

/** Samples of one side further apart than this (max/min - 1) get a note: the run was noisy. */
const NOISY_SPREAD = 0.2;

/** Input of `buildRow`. */
export interface RowSpec<T> {
  /** What was measured and in which unit. */
  work: string;
  /** Unit of the values. */
  unit: string;
  /** Which direction is better. */
  better: Better;
  /** Name of the peer. */
  peerName: string;
  /** The peer's samples. */
  peer: readonly Attempt<T>[];
  /** Our samples. */
  ours: readonly Attempt<T>[];
  /** The number this row reports from one sample. */
  value: (sample: T) => number;
  /** A warning about one sample (e.g. socket errors), or undefined. @default none */
  warn?: (sample: T) => string | undefined;
  /** How the notes name our side. @default "ours" */
  oursName?: string;
}

/**
 * Picks the best sample of each side (max or min per `better`), computes the ratio so that
 * above 1 means ours is better, and gathers errors and warnings into notes.
 * @param spec the samples and how to read them
 * @returns the row
 */
export function buildRow<T>(spec: RowSpec<T>): Row {
  const peer = values(spec.peer, spec.value);
  const ours = values(spec.ours, spec.value);
  const peerValue = best(peer, spec.better);
  const oursValue = best(ours, spec.better);
  return {
    work: spec.work,
    peer: spec.peerName,
    peerValue,
    ours: oursValue,
    ratio: ratio(peerValue, oursValue, spec.better),
    better: spec.better,
    unit: spec.unit,
    samples: { peer, ours },
    notes: [
      ...notes(spec.peerName, spec.peer, spec.warn),
      ...notes(spec.oursName ?? "ours", spec.ours, spec.warn),
      ...spread(spec.peerName, peer),
      ...spread(spec.oursName ?? "ours", ours),
    ],
  };
}

function values<T>(samples: readonly Attempt<T>[], value: (sample: T) => number): number[] {
  return samples.flatMap((s) => s.ok ? [value(s.value)] : []).filter(Number.isFinite);
}

function best(values: number[], better: Better): number | null {
  if (values.length === 0) return null;
  return better === "higher" ? Math.max(...values) : Math.min(...values);
}

function ratio(peer: number | null, ours: number | null, better: Better): number | null {
  if (peer === null || ours === null) return null;
  // A tie is 1× even at zero (e.g. no loss on either side).
  if (peer === ours) return 1;
  const [top, bottom] = better === "higher" ? [ours, peer] : [peer, ours];
  return bottom === 0 ? null : top / bottom;
}

function notes<T>(
  side: string,
  samples: readonly Attempt<T>[],
  warn: ((sample: T) => string | undefined) | undefined,
): string[] {
  const found = samples.map((s) => s.ok ? warn?.(s.value) : s.error);
  return [...new Set(found.filter((n): n is string => n !== undefined))].map((n) =>
    `${side}: ${n}`
  );
}

function spread(side: string, values: number[]): string[] {
  if (values.length < 2) return [];
  const low = Math.min(...values);
  const high = Math.max(...values);
  if (low <= 0 || high / low - 1 <= NOISY_SPREAD) return [];
  const percent = Math.round((high / low - 1) * 100);
  return [`${side}: samples differ by ${percent}% (${values.map(formatValue).join(", ")})`];
}
