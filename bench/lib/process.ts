/**
 * Spawning long-running servers for a case and stopping them again.
 * @module
 */

import { errorMessage } from "./attempt.ts";
import { drainToTail, type OutputTail } from "./output_tail.ts";
import { waitForPort } from "./ports.ts";

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
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const tails: OutputTail[] = [drainToTail(child.stdout), drainToTail(child.stderr)];
  const controller = new AbortController();
  const status = child.status.then(async (status) => {
    // The servers started here do not fork, so the pipes close when the process exits.
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
 * Stops a process: SIGTERM, then SIGKILL if it is still running after `graceMs`.
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
  signal(process.pid, "SIGTERM");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const killLater = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      signal(process.pid, "SIGKILL");
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

function describe(tails: OutputTail[]): string {
  const text = tails.map((tail) => tail.text().trim()).filter((t) => t !== "").join("\n");
  if (text === "") return "";
  const lines = text.split("\n");
  return `; last output: ${lines.slice(-6).join(" | ")}`;
}

/** Options of `startServer`. */
export interface StartServerOptions extends StartProcessOptions {
  /** Milliseconds allowed for every port to accept. @default 10000 */
  readyTimeoutMs?: number;
}

/**
 * Spawns a server and waits until each of `ports` accepts a connection. If it exits first or
 * the deadline passes, it is stopped and the error (with its last output) is thrown.
 * @param name short name used in messages
 * @param argv the command followed by its arguments
 * @param ports loopback ports the server listens on
 * @param options working directory, environment, deadline
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
    for (const port of ports) {
      await waitForPort(port, { timeoutMs: options.readyTimeoutMs, signal: process.exited });
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
