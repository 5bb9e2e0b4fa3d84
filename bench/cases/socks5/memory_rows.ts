/**
 * Memory of each SOCKS5 proxy once all load has run.
 * @module
 */

import type { Attempt } from "../../lib/attempt.ts";
import { memoryOf, type ProcessMemory } from "../../lib/memory.ts";
import { buildRow } from "../../lib/row.ts";
import type { Row } from "../../lib/types.ts";
import type { Fleet } from "./fleet.ts";
import { DANTE, LOWER_IS_BETTER, MICROSOCKS } from "./names.ts";

/**
 * Reads VmHWM (peak) and VmRSS (current) of ours, dante and microsocks, each added up over its
 * child processes: dante's pools of children are part of it.
 * @param fleet the running processes, after the load rows ran
 * @returns the rows
 */
export async function memoryRows(fleet: Fleet): Promise<Row[]> {
  const withChildren = { includeChildren: true };
  const ours = [await memoryOf(fleet.ours, withChildren)];
  const peers = [
    { name: DANTE, samples: [await memoryOf(fleet.dante, withChildren)] },
    { name: MICROSOCKS, samples: [await memoryOf(fleet.microsocks, withChildren)] },
  ];
  const fields = [
    { work: `VmHWM (peak RSS) MiB after load ${LOWER_IS_BETTER}`, key: "hwmMiB" as const },
    { work: `VmRSS MiB after load ${LOWER_IS_BETTER}`, key: "rssMiB" as const },
  ];
  return fields.flatMap((field) =>
    peers.map((peer) => {
      const row = buildRow({
        work: field.work,
        peerName: peer.name,
        peer: peer.samples,
        ours,
        unit: "MiB",
        better: "lower",
        value: (m) => m[field.key],
      });
      const note = summedNote(peer.name, peer.samples);
      return note === undefined ? row : { ...row, notes: [...row.notes, note] };
    })
  );
}

/** Says that a figure adds up several processes, whose shared pages count in each. */
function summedNote(name: string, samples: readonly Attempt<ProcessMemory>[]): string | undefined {
  const processes = samples[0]?.ok ? samples[0].value.processes ?? 1 : 1;
  if (processes <= 1) return undefined;
  return `${name}: summed over its ${processes} processes (pages they share count in each)`;
}
