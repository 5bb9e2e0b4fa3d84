/**
 * The rows of the `idle` case: per kind of connection and per peer, KiB of VmRSS per idle
 * connection, and VmRSS just after they closed and 5 s later, relative to before.
 * @module
 */

import type { Attempt } from "../../lib/attempt.ts";
import { kibPerConnection } from "../../lib/idle_clients.ts";
import { buildRow } from "../../lib/row.ts";
import type { Row } from "../../lib/types.ts";
import type { IdleSample } from "./measure.ts";

/** Suffix of every row (lower is better everywhere here). */
export const LOWER_IS_BETTER = "(lower is better: ratio = peer/ours)";

/** One comparison: a kind of connection, a peer and the samples of both sides. */
export interface IdleComparison {
  /** The kind, e.g. `stream tcp (connected, no bytes)`. */
  kind: string;
  /** The peer's name. */
  peerName: string;
  /** The peer's sample. */
  peer: Attempt<IdleSample>;
  /** Our sample. */
  ours: Attempt<IdleSample>;
}

/**
 * Three rows for one comparison: KiB per idle connection, MiB still held just after they
 * closed, and MiB still held 5 s later (both over VmRSS before they opened).
 * @param comparison kind, peer, samples
 * @returns the rows
 */
export function idleRows(comparison: IdleComparison): Row[] {
  const { kind, peerName } = comparison;
  const count = [comparison.peer, comparison.ours].find((s) => s.ok)?.value.count;
  const common = {
    peerName,
    peer: [comparison.peer],
    ours: [comparison.ours],
    better: "lower" as const,
  };
  return [
    buildRow({
      ...common,
      work: `${kind}: KiB VmRSS per idle connection (N=${count ?? "?"}) ${LOWER_IS_BETTER}`,
      unit: "KiB",
      value: (s) => kibPerConnection(s.beforeMiB, s.openMiB, s.count),
    }),
    buildRow({
      ...common,
      work: `${kind}: MiB VmRSS just after close, over before ${LOWER_IS_BETTER}`,
      unit: "MiB",
      value: (s) => s.closedMiB - s.beforeMiB,
    }),
    buildRow({
      ...common,
      work: `${kind}: MiB VmRSS 5 s after close, over before ${LOWER_IS_BETTER}`,
      unit: "MiB",
      value: (s) => s.settledMiB - s.beforeMiB,
    }),
  ];
}
