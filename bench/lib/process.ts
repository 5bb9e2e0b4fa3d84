/**
 * Spawning long-running servers for a case and stopping them again.
 * @module
 */

import { errorMessage } from "./attempt.ts";
import { descendantPids } from "./children.ts";
import { drainToTail, type OutputTail } from "./output_tail.ts";
import { waitForPort, waitForUdpEcho } from "./ports.ts";

/** A spawned server process. */
export interface ManagedProcess {
  /** Short name used in messages, e.g. `haproxy`. */
  name: string;
  /** Operating-system process id (for /proc/PID/status). */
  pid: number;
  /** Aborted as soon as the process exits; pass it to `waitForPort`. */
  exited: AbortSignal;
  /** Resolves with the exit status. */
  status: Promise<Deno.CommandStatus>;
  /** The last lines of stdout and stderr, for error messages. */
  output(): string;
}

// Every process started and not yet exited, so an interrupted run can still stop them.
const LIVE = new Set<ManagedProcess>();

/** Options of `startProcess`. */
export interface StartProcessOptions {
  /** Working directory. @default the harness's own */
  cwd?: string;
  /** Extra environment variables. @default {} */
  env?: Record<string, string>;
  /**
   * `"null"` discards stdout, for a server that logs every connection there (microsocks); its
   * stderr is still kept for error messages. @default "piped"
   */
  stdout?: "piped" | "null";
}

/**
 * Spawns `command args...` with output drained into bounded tails.
 * @param name short name used in messages
 * @param argv the command followed by its arguments
 * @param options working directory and environment
 * @returns the running process; always pair with `stopProcess` in a `finally`
 */
export function startProcess(
  name: string,
  argv: readonly string[],
  options: StartProcessOptions = {},
): ManagedProcess {
  const [command, ...args] = argv;
  const child = new Deno.Command(command, {
    args,
    cwd: options.cwd,
    env: options.env,
    stdin: "null",
    stdout: options.stdout ?? "piped",
    stderr: "piped",
  }).spawn();
  const tails: OutputTail[] = [
    ...(options.stdout === "null" ? [] : [drainToTail(child.stdout)]),
    drainToTail(child.stderr),
  ];
  const controller = new AbortController();
  const status = child.status.then(async (status) => {
    // A forking server's children hold the pipes too; stopProcess signals them as well.
    await Promise.all(tails.map((tail) => tail.finished));
    LIVE.delete(process);
    const how = status.signal === null ? `code ${status.code}` : `signal ${status.signal}`;
    controller.abort(new Error(`${name} exited with ${how}${describe(tails)}`));
    return status;
  });
  const process: ManagedProcess = {
    name,
    pid: child.pid,
    exited: controller.signal,
    status,
    output: () => describe(tails),
  };
  LIVE.add(process);
  return process;
}

/**
 * Stops every process `startProcess` started that is still running; for signal handlers,
 * where the `finally` blocks of the interrupted case will not run.
 */
export async function stopAllProcesses(): Promise<void> {
  await Promise.all([...LIVE].map((process) => stopProcess(process)));
}

/**
 * Stops a process: SIGTERM, then SIGKILL if it is still running after `graceMs`. Its children
 * (a forking server's, such as socat's) get the same signals, as they hold its output pipes.
 * @param process the process, or undefined (then nothing happens)
 * @param graceMs milliseconds allowed for a clean exit @default 3000
 */
export async function stopProcess(
  process: ManagedProcess | undefined,
  graceMs = 3000,
): Promise<void> {
  if (process === undefined || process.exited.aborted) {
    await process?.status;
    return;
  }
  // Listed before the parent goes, after which they would be re-parented out of reach.
  const children = await Promise.all(
    (await descendantPids(process.pid)).map(async (pid) => ({ pid, start: await startTime(pid) })),
  );
  signal(process.pid, "SIGTERM");
  for (const child of children) signal(child.pid, "SIGTERM");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const killLater = new Promise<void>((resolve) => {
    timer = setTimeout(async () => {
      signal(process.pid, "SIGKILL");
      for (const child of children) {
        // Only the same process: a pid freed meanwhile may belong to someone else now.
        if (child.start !== null && await startTime(child.pid) === child.start) {
          signal(child.pid, "SIGKILL");
        }
      }
      resolve();
    }, graceMs);
  });
  await Promise.race([process.status, killLater]);
  clearTimeout(timer);
  await process.status;
}

function signal(pid: number, name: Deno.Signal): void {
  try {
    Deno.kill(pid, name);
  } catch {
    // Already gone between the check and the signal.
  }
}

/** Field 22 of /proc/PID/stat (start time in ticks since boot), or null when gone. */
async function startTime(pid: number): Promise<string | null> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

function describe(tails: OutputTail[]): string {
  const text = tails.map((tail) => tail.text().trim()).filter((t) => t !== "").join("\n");
  if (text === "") return "";
  const lines = text.split("\n");
  return `; last output: ${lines.slice(-6).join(" | ")}`;
}

/** Options of `startServer`. */
export interface StartServerOptions extends StartProcessOptions {
  /** Milliseconds allowed for every port to accept (or echo). @default 10000 */
  readyTimeoutMs?: number;
  /**
   * UDP ports that must echo a probe datagram back before the server counts as ready: an echo
   * server's own port, or a forwarder's port in front of one. @default []
   */
  udpEchoPorts?: readonly number[];
  /**
   * A last check once every port is up, such as one request through a proxy: the server is
   * ready when it resolves and failed to start when it throws. It gets a signal that aborts
   * when the process exits or `readyTimeoutMs` passes. @default none
   */
  probe?: (signal: AbortSignal) => Promise<void>;
}

/**
 * Spawns a server and waits until each of `ports` accepts a connection, each of
 * `options.udpEchoPorts` echoes a datagram and `options.probe` passes. If it exits first or the
 * deadline passes, it is stopped and the error (with its last output) is thrown.
 * @param name short name used in messages
 * @param argv the command followed by its arguments
 * @param ports loopback TCP ports the server listens on
 * @param options working directory, environment, deadline, UDP ports, probe
 * @returns the running, ready process
 */
export async function startServer(
  name: string,
  argv: readonly string[],
  ports: readonly number[],
  options: StartServerOptions = {},
): Promise<ManagedProcess> {
  const process = startProcess(name, argv, options);
  try {
    const wait = { timeoutMs: options.readyTimeoutMs, signal: process.exited };
    for (const port of ports) await waitForPort(port, wait);
    for (const port of options.udpEchoPorts ?? []) await waitForUdpEcho(port, wait);
    if (options.probe !== undefined) {
      const deadline = AbortSignal.timeout(options.readyTimeoutMs ?? 10_000);
      await options.probe(AbortSignal.any([process.exited, deadline]));
    }
    return process;
  } catch (error) {
    const exitedEarly = process.exited.aborted;
    await stopProcess(process);
    // An early exit's reason already carries the output; a timeout's does not.
    const why = exitedEarly
      ? errorMessage(process.exited.reason)
      : `${errorMessage(error)}${process.output()}`;
    throw new Error(`${name} did not start: ${why}`);
  }
}
