/**
 * Memory of ours and of the peer once all load has run.
 * @module
 */

import { peerMemoryRows } from "../../lib/memory_rows.ts";
import type { Row } from "../../lib/types.ts";
import type { Fleet } from "./fleet.ts";
import { LOWER_IS_BETTER, PEER } from "./names.ts";

/**
 * Reads VmHWM (peak) and VmRSS (current) of haproxy and of ours.
 * @param fleet the running processes, after the load rows ran
 * @returns the rows
 */
export function memoryRows(fleet: Fleet): Promise<Row[]> {
  return peerMemoryRows(PEER, fleet.haproxy, fleet.ours, LOWER_IS_BETTER);
}
