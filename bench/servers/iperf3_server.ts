/**
 * An iperf3 server that stays up for every run of a case.
 * @module
 */

import { type ManagedProcess, startServer } from "../lib/process.ts";

/**
 * Runs `iperf3 -s -p <port>`. Without `-1` it survives the readiness probe and serves one
 * client after another.
 * @param port loopback port
 * @returns the ready process
 */
export async function startIperf3Server(port: number): Promise<ManagedProcess> {
  return await startServer("iperf3 -s", [
    "iperf3",
    "-s",
    "-B",
    "127.0.0.1",
    "-p",
    String(port),
  ], [port]);
}
