/**
 * CPU time used by a running process (all its threads), read from /proc/PID/stat.
 * @module
 */

// USER_HZ: the unit of utime and stime. It is 100 on every mainstream Linux build.
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * User plus system CPU seconds `pid` has used since it started.
 * @param pid a running process
 * @returns CPU seconds, at 10 ms resolution
 */
export async function readCpuSeconds(pid: number): Promise<number> {
  return parseCpuSeconds(await Deno.readTextFile(`/proc/${pid}/stat`));
}

/**
 * Reads utime + stime (fields 14 and 15) from the text of /proc/PID/stat.
 * @param stat the file's text
 * @returns CPU seconds
 */
export function parseCpuSeconds(stat: string): number {
  // The command name (field 2) may contain spaces and parentheses; fields resume after the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state), so field n is fields[n - 3].
  const ticks = Number(fields[11]) + Number(fields[12]);
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
 * @returns the result, CPU seconds and wall-clock seconds
 */
export async function measureCpu<T>(
  pid: number | undefined,
  fn: () => Promise<T>,
): Promise<WithCpu<T>> {
  const before = pid === undefined ? 0 : await readCpuSeconds(pid);
  const start = performance.now();
  const result = await fn();
  const wallSeconds = (performance.now() - start) / 1000;
  const cpuSeconds = pid === undefined ? null : await readCpuSeconds(pid) - before;
  return { result, cpuSeconds, wallSeconds };
}
