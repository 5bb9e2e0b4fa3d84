/**
 * Memory of each reverse proxy once all load has run.
 * @module
 */

import { memoryOf } from "../../lib/memory.ts";
import { buildRow } from "../../lib/row.ts";
import type { Row } from "../../lib/types.ts";
import type { Fleet } from "./fleet.ts";
import { LOWER_IS_BETTER, PEER } from "./names.ts";

/**
 * Reads VmHWM (peak) and VmRSS (current) of ours and of the nginx reverse proxy.
 * @param fleet the running processes, after the load rows ran
 * @returns the rows
 */
export async function memoryRows(fleet: Fleet): Promise<Row[]> {
  const common = {
    peerName: PEER,
    peer: [await memoryOf(fleet.nginx)],
    ours: [await memoryOf(fleet.ours)],
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
