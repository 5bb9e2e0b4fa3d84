/**
 * Labels shared by the row builders of the `tcp` case.
 * @module
 */

/** How the peer is named in the table. */
export const PEER = "haproxy (mode tcp, nbthread 1)";

/** Suffix of every row where lower is better, so the ratio's direction is never a guess. */
export const LOWER_IS_BETTER = "(lower is better: ratio = peer/ours)";
