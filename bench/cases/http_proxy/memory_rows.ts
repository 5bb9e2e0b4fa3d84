/**
 * Memory of each forward proxy once all load has run.
 * @module
 */

import { memoryOf } from "../../lib/memory.ts";
import { buildRow } from "../../lib/row.ts";
import type { Row } from "../../lib/types.ts";
import type { Fleet } from "./fleet.ts";
import { LOWER_IS_BETTER, SQUID, TINYPROXY } from "./names.ts";

/**
 * Reads VmHWM (peak) and VmRSS (current) of ours, tinyproxy and squid, each with any child
 * processes it has (none is expected: tinyproxy works in threads, squid runs no helpers here).
 * @param fleet the running processes, after the load rows ran
 * @returns the rows
 */
export async function memoryRows(fleet: Fleet): Promise<Row[]> {
  const withChildren = { includeChildren: true };
  const ours = [await memoryOf(fleet.ours, withChildren)];
  const peers = [
    { name: TINYPROXY, samples: [await memoryOf(fleet.tinyproxy, withChildren)] },
    { name: SQUID, samples: [await memoryOf(fleet.squid, withChildren)] },
  ];
  const fields = [
    { work: `VmHWM (peak RSS) MiB after load ${LOWER_IS_BETTER}`, key: "hwmMiB" as const },
    { work: `VmRSS MiB after load ${LOWER_IS_BETTER}`, key: "rssMiB" as const },
  ];
  return fields.flatMap((field) =>
    peers.map((peer) =>
      buildRow({
        work: field.work,
        peerName: peer.name,
        peer: peer.samples,
        ours,
        unit: "MiB",
        better: "lower",
        value: (m) => m[field.key],
      })
    )
  );
}
