/**
 * The UDP upstream of the `udp` case: an echo server in Python (standard library only).
 * @module
 */

import { DEBIAN_PYTHON } from "../lib/debian_packages.ts";
import { type ManagedProcess, startServer } from "../lib/process.ts";

const SCRIPT = new URL("./udp_echo.py", import.meta.url).pathname;

/**
 * Runs `python3 udp_echo.py <port>`, which sends every datagram back to its sender.
 * @param port loopback UDP port
 * @returns the process, once it has echoed a probe
 */
export async function startUdpEcho(port: number): Promise<ManagedProcess> {
  return await startServer("udp echo", [DEBIAN_PYTHON, SCRIPT, String(port)], [], {
    udpEchoPorts: [port],
  });
}
