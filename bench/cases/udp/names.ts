/**
 * Labels and load settings shared by the row builders of the `udp` case.
 * @module
 */

/** How nginx is named in the table. */
export const NGINX = "nginx stream (1 worker)";

/** How socat is named in the table. */
export const SOCAT = "socat fork";

/** Suffix of every row where lower is better, so the ratio's direction is never a guess. */
export const LOWER_IS_BETTER = "(lower is better: ratio = peer/ours)";

/** Client sockets of each load run: each is a session in every forwarder. */
export const CLIENTS = 16;

/**
 * Datagrams each client keeps in flight: 64 in all, below the 92 datagrams of 1200 B that a
 * socket's default 208 KiB receive buffer queues, so the window alone cannot overflow a
 * forwarder's listening socket (more in flight only added stalls, not throughput).
 */
export const WINDOW = 4;

/** Datagram sizes measured, in bytes. */
export const SIZES = [64, 1200] as const;
