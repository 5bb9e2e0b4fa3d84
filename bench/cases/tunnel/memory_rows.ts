/**
 * Memory of each tunnel's server and client processes once all load has run.
 * @module
 */

import { type Attempt, attempt } from "../../lib/attempt.ts";
import type { Row } from "../../lib/types.ts";
import { compareRows } from "./compare.ts";
import type { Fleet } from "./fleet.ts";
import { memoryOf, type SideName, type Watched } from "./side.ts";

type Memory = { rssMiB: number; hwmMiB: number };

const MEASURED: readonly SideName[] = ["forwarder", "ssh", "ours-tls", "ours-plain"];

/**
 * VmRSS (current) and VmHWM (peak) after load: of the server end, of the client end, and of
 * both (sshd with its per-connection children).
 * @param fleet the running processes, after the load rows ran
 * @returns the rows
 */
export async function memoryRows(fleet: Fleet): Promise<Row[]> {
  async function read(role?: Watched["role"]) {
    const samples = new Map<SideName, Attempt<Memory>[]>();
    for (const name of MEASURED) {
      const side = fleet.sides.get(name)!;
      samples.set(name, [await attempt(() => memoryOf(side.watched, role))]);
    }
    return samples;
  }
  const server = await read("server");
  const client = await read("client");
  const both = await read();
  const rss = { unit: "MiB", better: "lower" as const, value: (m: Memory) => m.rssMiB };
  const hwm = { unit: "MiB", better: "lower" as const, value: (m: Memory) => m.hwmMiB };
  const vsSsh = [["ours-tls", "ssh"], ["ours-plain", "ssh"]] as const;
  return [
    ...compareRows(server, vsSsh, { ...rss, work: "tunnel server VmRSS MiB after load" }),
    ...compareRows(client, vsSsh, { ...rss, work: "tunnel client VmRSS MiB after load" }),
    ...compareRows(both, [...vsSsh, ["ours-tls", "forwarder"]], {
      ...hwm,
      work: "server + client VmHWM (peak RSS) MiB",
    }),
  ];
}
