/**
 * Memory of ours and of nginx once all load has run (socat's is spread over its children).
 * @module
 */

import { type Attempt, attempt, errorMessage } from "../../lib/attempt.ts";
import { type ProcessMemory, readMemory } from "../../lib/memory.ts";
import type { ManagedProcess } from "../../lib/process.ts";
import { buildRow } from "../../lib/row.ts";
import type { Row } from "../../lib/types.ts";
import type { Fleet } from "./fleet.ts";
import { LOWER_IS_BETTER, NGINX } from "./names.ts";

/**
 * Reads VmHWM (peak) and VmRSS (current) of nginx and of ours.
 * @param fleet the running processes, after the load rows ran
 * @returns the rows
 */
export async function memoryRows(fleet: Fleet): Promise<Row[]> {
  const common = {
    peer: [await sample(fleet.nginx)],
    ours: [await sample(fleet.ours)],
    peerName: NGINX,
    unit: "MiB",
    better: "lower" as const,
  };
  return [
    buildRow({
      ...common,
      work: `VmHWM (peak RSS) MiB after load ${LOWER_IS_BETTER}`,
      value: (m) => m.hwmMiB,
    }),
    buildRow({
      ...common,
      work: `VmRSS MiB after load ${LOWER_IS_BETTER}`,
      value: (m) => m.rssMiB,
    }),
  ];
}

async function sample(process: Attempt<ManagedProcess>): Promise<Attempt<ProcessMemory>> {
  if (!process.ok) return process;
  // A forwarder that crashed under load must say so rather than report another PID's memory.
  const exited = process.value.exited;
  if (exited.aborted) return { ok: false, error: errorMessage(exited.reason) };
  return await attempt(() => readMemory(process.value.pid));
}
