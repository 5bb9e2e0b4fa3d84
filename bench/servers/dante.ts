/**
 * Dante (`danted`) as a peer SOCKS5 proxy. It has no single-process mode: besides the one main
 * process (`-N 1`) it keeps pools of negotiate, request and I/O child processes.
 * @module
 */

import { type ManagedProcess, startServer } from "../lib/process.ts";

/** Options of `startDante`. */
export interface DanteOptions {
  /** Loopback port to listen on. */
  listenPort: number;
  /** A request through the proxy that must succeed before it counts as ready. @default none */
  probe?: (signal: AbortSignal) => Promise<void>;
  /** Called with each warning or error line dante logged while starting. @default ignore them */
  onProblem?: (line: string) => void;
}

/** Options of `danteConfig`. */
export interface DanteConfigOptions {
  /** Loopback port to listen on. */
  listenPort: number;
  /** Whether danted starts as root, which then needs users to switch to. @default false */
  asRoot?: boolean;
}

/**
 * Writes `<dir>/danted.conf` and runs `danted -f <cfg> -p <dir>/danted.pid -N 1` in the
 * foreground, logging to stderr only. Once a request came through, the lines it logged while
 * starting are checked for warnings and errors, which go to `onProblem`.
 * @param dir a private temp directory
 * @param options port, readiness probe, where to report problems
 * @returns the ready process
 */
export async function startDante(dir: string, options: DanteOptions): Promise<ManagedProcess> {
  const cfg = `${dir}/danted.conf`;
  await Deno.writeTextFile(
    cfg,
    danteConfig({ listenPort: options.listenPort, asRoot: Deno.uid() === 0 }),
  );
  const process = await startServer(
    "dante",
    ["danted", "-f", cfg, "-p", `${dir}/danted.pid`, "-N", "1"],
    [options.listenPort],
    { probe: options.probe },
  );
  for (const line of danteProblems(process.output())) options.onProblem?.(line);
  return process;
}

/**
 * The dante configuration: listen and connect out on 127.0.0.1, no authentication at either
 * level, loopback clients may CONNECT to loopback targets, log to stderr (errors only: the
 * rules log nothing per connection). As root, privileged work stays root and the children run
 * as `nobody`.
 * @param options port, and whether it starts as root
 * @returns the configuration text
 */
export function danteConfig(options: DanteConfigOptions): string {
  const users = options.asRoot ? "user.privileged: root\nuser.unprivileged: nobody\n" : "";
  return `logoutput: stderr
internal: 127.0.0.1 port = ${options.listenPort}
external: 127.0.0.1
clientmethod: none
socksmethod: none
${users}
client pass {
  from: 127.0.0.0/8 to: 0.0.0.0/0
}

socks pass {
  from: 127.0.0.0/8 to: 127.0.0.0/8
  command: connect
}
`;
}

/**
 * The lines of dante's log that report a problem: its level (after `danted[pid]: `) is
 * `warning`, `error`, `alert`, `crit` or `emerg`.
 * @param output what dante wrote (e.g. `ManagedProcess.output()`)
 * @returns those lines
 */
export function danteProblems(output: string): string[] {
  return output.split(/\n| \| /).filter((line) =>
    /danted\[\d+\]: (warning|error|alert|crit|emerg):/.test(line)
  ).map((line) => line.trim());
}
