/**
 * microsocks as a peer SOCKS5 proxy: one process, a thread per client.
 * @module
 */

import { type ManagedProcess, startServer } from "../lib/process.ts";

/** Options of `startMicrosocks`. */
export interface MicrosocksOptions {
  /** Loopback port to listen on. */
  listenPort: number;
  /** A request through the proxy that must succeed before it counts as ready. @default none */
  probe?: (signal: AbortSignal) => Promise<void>;
}

/**
 * Runs `microsocks -i 127.0.0.1 -p <port>` (no authentication). It prints a line to stdout
 * for every client and has no switch to stop it, so stdout goes to /dev/null.
 * @param options port and readiness probe
 * @returns the ready process
 */
export async function startMicrosocks(options: MicrosocksOptions): Promise<ManagedProcess> {
  return await startServer("microsocks", microsocksArgv(options.listenPort), [
    options.listenPort,
  ], { probe: options.probe, stdout: "null" });
}

/**
 * The microsocks command line.
 * @param port loopback port
 * @returns argv, starting with `microsocks`
 */
export function microsocksArgv(port: number): string[] {
  return ["microsocks", "-i", "127.0.0.1", "-p", String(port)];
}
