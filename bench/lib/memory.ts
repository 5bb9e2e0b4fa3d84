/**
 * Memory of a running process, read from /proc/PID/status.
 * @module
 */

/** Resident memory in MiB. */
export interface ProcessMemory {
  /** Current resident set size (VmRSS). */
  rssMiB: number;
  /** Peak resident set size since start (VmHWM). */
  hwmMiB: number;
}

/**
 * Reads VmRSS and VmHWM of `pid`.
 * @param pid a running process
 * @returns both values in MiB
 * @throws Error when the process is gone or the fields are absent
 */
export async function readMemory(pid: number): Promise<ProcessMemory> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return {
    rssMiB: parseStatusField(status, "VmRSS", pid),
    hwmMiB: parseStatusField(status, "VmHWM", pid),
  };
}

/**
 * Extracts a `Name:   1234 kB` field from a /proc status text, in MiB.
 * @param status the text of /proc/PID/status
 * @param name the field, e.g. `VmHWM`
 * @param pid for the error message
 * @returns the value in MiB
 */
export function parseStatusField(status: string, name: string, pid: number): number {
  const match = new RegExp(`^${name}:\\s+(\\d+)\\s+kB$`, "m").exec(status);
  if (match === null) throw new Error(`/proc/${pid}/status has no ${name}`);
  return Number(match[1]) / 1024;
}
