/**
 * socat as a peer UDP forwarder: one child process per client address.
 * @module
 */

import { type ManagedProcess, startServer } from "../lib/process.ts";
import type { UdpRoute } from "./udp_route.ts";

/** Seconds of silence after which a socat child (one client's session) exits. */
const IDLE_SECONDS = 60;

/**
 * Runs `socat -T 60 UDP4-LISTEN:<port>,bind=127.0.0.1,reuseaddr,fork UDP4:127.0.0.1:<upstream>`.
 * With `fork`, the first datagram from a new client address forks a child that owns that
 * client from then on, which is how socat keeps per-client sessions.
 * @param route where to listen and where to forward
 * @returns the process, once a probe came back through it
 */
export async function startSocatUdp(route: UdpRoute): Promise<ManagedProcess> {
  return await startServer("socat", socatUdpArgv(route), [], {
    udpEchoPorts: [route.listenPort],
  });
}

/**
 * The socat command line.
 * @param route where to listen and where to forward
 * @returns argv, starting with `socat`
 */
export function socatUdpArgv(route: UdpRoute): string[] {
  return [
    "socat",
    "-T",
    String(IDLE_SECONDS),
    `UDP4-LISTEN:${route.listenPort},bind=127.0.0.1,reuseaddr,fork`,
    `UDP4:127.0.0.1:${route.upstreamPort}`,
  ];
}
