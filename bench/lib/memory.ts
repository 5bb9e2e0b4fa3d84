/**
 * Memory of a running process, read from /proc/PID/status.
 * @module
 */

import { type Attempt, attempt, errorMessage } from "./attempt.ts";
import { descendantPids } from "./children.ts";
import type { ManagedProcess } from "./process.ts";

/** Resident memory in MiB. */
export interface ProcessMemory {
  /** Current resident set size (VmRSS). */
  rssMiB: number;
  /** Peak resident set size since start (VmHWM). */
  hwmMiB: number;
  /** How many processes the figures add up (1 unless children were included). */
  processes?: number;
}

/** Options of `readMemory`. */
export interface MemoryOptions {
  /**
   * Add up the process and its live descendants, for a server that works in child processes
   * (dante). Pages shared between them (the program's text, copy-on-write data) count once per
   * process, so the sum is an upper bound.
   * @default false
   */
  includeChildren?: boolean;
}

/**
 * Reads VmRSS and VmHWM of `pid` (and of its descendants, when asked).
 * @param pid a running process
 * @param options whether to add its children's memory
 * @returns both values in MiB, and how many processes they cover
 * @throws Error when the process is gone or the fields are absent
 */
export async function readMemory(pid: number, options: MemoryOptions = {}): Promise<ProcessMemory> {
  const own = await readOne(pid);
  if (!options.includeChildren) return own;
  const total = { ...own, processes: 1 };
  for (const child of await descendantPids(pid)) {
    try {
      const memory = await readOne(child);
      total.rssMiB += memory.rssMiB;
      total.hwmMiB += memory.hwmMiB;
      total.processes++;
    } catch {
      // Exited between the listing and the read: it holds no memory any more.
    }
  }
  return total;
}

/**
 * The memory of a started process, or why there is none: it never started, or it exited
 * (crashed under load), in which case another process's figures must not stand in for it.
 * @param process the process, as launched
 * @param options whether to add its children's memory
 * @returns the memory, or the reason
 */
export async function memoryOf(
  process: Attempt<ManagedProcess>,
  options: MemoryOptions = {},
): Promise<Attempt<ProcessMemory>> {
  if (!process.ok) return process;
  const exited = process.value.exited;
  if (exited.aborted) return { ok: false, error: errorMessage(exited.reason) };
  return await attempt(() => readMemory(process.value.pid, options));
}

async function readOne(pid: number): Promise<ProcessMemory> {
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
