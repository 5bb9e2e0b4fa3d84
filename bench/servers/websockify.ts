/**
 * websockify (Debian) as the peer WebSocket→TCP bridge.
 * @module
 */

import { type ManagedProcess, startServer } from "../lib/process.ts";

/**
 * Runs `websockify 127.0.0.1:<port> 127.0.0.1:<target>` (its default: a process per
 * connection).
 * @param port where it listens
 * @param target the TCP server behind it
 * @returns the process, once the port accepts
 */
export async function startWebsockify(port: number, target: number): Promise<ManagedProcess> {
  return await startServer(
    "websockify",
    ["websockify", `127.0.0.1:${port}`, `127.0.0.1:${target}`],
    [port],
  );
}
