/**
 * Labels and load settings shared by the row builders of the `socks5` case.
 * @module
 */

/** How dante is named in the table. */
export const DANTE = "dante (danted -N 1, process pools)";

/** How microsocks is named in the table. */
export const MICROSOCKS = "microsocks";

/** Suffix of every row where lower is better, so the ratio's direction is never a guess. */
export const LOWER_IS_BETTER = "(lower is better: ratio = peer/ours)";

/** Iterations (connection, handshake, request, response) kept in flight. */
export const WORKERS = 50;

/** Size of the file downloaded back to back for the tunnel throughput rows: 100 MiB. */
export const BULK_BYTES = 100 * 1024 * 1024;

/** The throughput runs are capped at this many seconds: a few dozen downloads suffice. */
export const BULK_MAX_SECONDS = 5;
