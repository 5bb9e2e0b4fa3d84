/**
 * Memory rows shared by the cases that compare ours with one peer process.
 * @module
 */

import { type Attempt, attempt, errorMessage } from "./attempt.ts";
import { type ProcessMemory, readMemory } from "./memory.ts";
import type { ManagedProcess } from "./process.ts";
import { buildRow } from "./row.ts";
import type { Row } from "./types.ts";

/**
 * VmHWM (peak) and VmRSS (current) of a peer and of ours, once all load has run.
 * @param peerName the peer's label in the table
 * @param peer the peer's process
 * @param ours our process
 * @param lowerIsBetter the case's "(lower is better …)" wording
 * @returns the two rows
 */
export async function peerMemoryRows(
  peerName: string,
  peer: Attempt<ManagedProcess>,
  ours: Attempt<ManagedProcess>,
  lowerIsBetter: string,
): Promise<Row[]> {
  const common = {
    peer: [await sampleMemory(peer)],
    ours: [await sampleMemory(ours)],
    peerName,
    unit: "MiB",
    better: "lower" as const,
  };
  return [
    buildRow({
      ...common,
      work: `VmHWM (peak RSS) MiB after load ${lowerIsBetter}`,
      value: (m) => m.hwmMiB,
    }),
    buildRow({
      ...common,
      work: `VmRSS MiB after load ${lowerIsBetter}`,
      value: (m) => m.rssMiB,
    }),
  ];
}

/** Memory of a running process; an error when it failed to start or has exited. */
export async function sampleMemory(
  process: Attempt<ManagedProcess>,
): Promise<Attempt<ProcessMemory>> {
  if (!process.ok) return process;
  // A process that crashed under load must say so rather than report another PID's memory.
  const exited = process.value.exited;
  if (exited.aborted) return { ok: false, error: errorMessage(exited.reason) };
  return await attempt(() => readMemory(process.value.pid));
}
