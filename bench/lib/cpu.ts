/**
 * CPU time used by a running process (all its threads), read from /proc/PID/stat.
 * @module
 */

import { childPids } from "./children.ts";

// USER_HZ: the unit of utime and stime. It is 100 on every mainstream Linux build.
const CLOCK_TICKS_PER_SECOND = 100;

/** Options of `readCpuSeconds` and `measureCpu`. */
export interface CpuOptions {
  /**
   * Also count the process's children: live descendants (from /proc/PID/task/TID/children)
   * and those already exited and reaped (cutime + cstime). For forking servers such as socat.
   * @default false
   */
  includeChildren?: boolean;
}

/**
 * User plus system CPU seconds `pid` has used since it started.
 * @param pid a running process
 * @param options whether to add its children's time
 * @returns CPU seconds, at 10 ms resolution
 */
export async function readCpuSeconds(pid: number, options: CpuOptions = {}): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  if (!options.includeChildren) return parseCpuSeconds(stat);
  let seconds = parseCpuSeconds(stat, { includeReapedChildren: true });
  for (const child of await childPids(pid)) {
    try {
      seconds += await readCpuSeconds(child, options);
    } catch {
      // Exited between the listing and the read: its time moves to our cutime once reaped.
    }
  }
  return seconds;
}

/** Options of `parseCpuSeconds`. */
export interface ParseCpuOptions {
  /** Add cutime + cstime (fields 16 and 17): exited children the process waited for. @default false */
  includeReapedChildren?: boolean;
}

/**
 * Reads utime + stime (fields 14 and 15) from the text of /proc/PID/stat.
 * @param stat the file's text
 * @param options whether to add the reaped children's time
 * @returns CPU seconds
 */
export function parseCpuSeconds(stat: string, options: ParseCpuOptions = {}): number {
  // The command name (field 2) may contain spaces and parentheses; fields resume after the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state), so field n is fields[n - 3].
  let ticks = Number(fields[11]) + Number(fields[12]);
  if (options.includeReapedChildren) ticks += Number(fields[13]) + Number(fields[14]);
  if (!Number.isFinite(ticks)) throw new Error("/proc stat has no utime/stime");
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/** A result together with the CPU time a process used while it was produced. */
export interface WithCpu<T> {
  /** What `fn` returned. */
  result: T;
  /** CPU seconds the watched process used during `fn`, or null when none was watched. */
  cpuSeconds: number | null;
  /** Wall-clock seconds `fn` took. */
  wallSeconds: number;
}

/**
 * Runs `fn` and reports the CPU time `pid` spent meanwhile.
 * @param pid the process to watch, or undefined to only time `fn`
 * @param fn the load to apply
 * @param options whether to add the time of the process's children
 * @returns the result, CPU seconds and wall-clock seconds
 */
export async function measureCpu<T>(
  pid: number | undefined,
  fn: () => Promise<T>,
  options: CpuOptions = {},
): Promise<WithCpu<T>> {
  const before = pid === undefined ? 0 : await readCpuSeconds(pid, options);
  const start = performance.now();
  const result = await fn();
  const wallSeconds = (performance.now() - start) / 1000;
  const cpuSeconds = pid === undefined ? null : await readCpuSeconds(pid, options) - before;
  return { result, cpuSeconds, wallSeconds };
}
