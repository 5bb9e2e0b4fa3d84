/**
 * tinyproxy as a peer HTTP forward proxy.
 * @module
 */

import { type ManagedProcess, startServer } from "../lib/process.ts";

/** Clients tinyproxy serves at once; far above the load's 50 connections. */
const MAX_CLIENTS = 1024;

/** Options of `startTinyproxy`. */
export interface TinyproxyOptions {
  /** Loopback port to listen on. */
  listenPort: number;
  /** A request through the proxy that must succeed before it counts as ready. @default none */
  probe?: (signal: AbortSignal) => Promise<void>;
}

/**
 * Writes `<dir>/tinyproxy.conf` and runs `tinyproxy -d -c <cfg>` (foreground).
 * @param dir a private temp directory
 * @param options port and readiness probe
 * @returns the ready process
 */
export async function startTinyproxy(
  dir: string,
  options: TinyproxyOptions,
): Promise<ManagedProcess> {
  const cfg = `${dir}/tinyproxy.conf`;
  await Deno.writeTextFile(cfg, tinyproxyConfig(options.listenPort));
  return await startServer("tinyproxy", ["tinyproxy", "-d", "-c", cfg], [options.listenPort], {
    probe: options.probe,
  });
}

/**
 * The tinyproxy configuration: loopback only, many clients, critical messages only (to stderr:
 * no `LogFile`, no syslog), and a 600 s idle timeout like ours.
 * @param port loopback port
 * @returns the configuration text
 */
export function tinyproxyConfig(port: number): string {
  return `Port ${port}
Listen 127.0.0.1
Timeout 600
MaxClients ${MAX_CLIENTS}
Allow 127.0.0.1
LogLevel Critical
Syslog Off
`;
}
