/**
 * Labels and load settings shared by the row builders of the `http-proxy` case.
 * @module
 */

/** How tinyproxy is named in the table. */
export const TINYPROXY = "tinyproxy (thread per connection)";

/** How squid is named in the table. */
export const SQUID = "squid (-N, workers 1)";

/** Suffix of every row where lower is better, so the ratio's direction is never a guess. */
export const LOWER_IS_BETTER = "(lower is better: ratio = peer/ours)";

/** wrk threads. */
export const THREADS = 1;

/** wrk connections. */
export const CONNECTIONS = 50;
