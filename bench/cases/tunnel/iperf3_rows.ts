/**
 * Bulk throughput through each side: iperf3 (one stream, client to server) via the tcp
 * mapping and the peers' equivalent ports.
 * @module
 */

import type { WithCpu } from "../../lib/cpu.ts";
import { type Iperf3Result, runIperf3 } from "../../lib/iperf3.ts";
import type { CaseOptions, Row } from "../../lib/types.ts";
import { compareRows } from "./compare.ts";
import type { Fleet } from "./fleet.ts";
import { sampleSides } from "./load.ts";
import type { SideName } from "./side.ts";

const MAX_SECONDS = 5;
const ALL: readonly SideName[] = ["direct", "forwarder", "ssh", "ours-tls", "ours-plain"];

/**
 * Runs iperf3 (at most 5 s) against each side, alternating: Gbit/s and CPU per GB.
 * @param fleet the running processes
 * @param options duration, rounds, tools, log
 * @returns the rows
 */
export async function iperf3Rows(fleet: Fleet, options: CaseOptions): Promise<Row[]> {
  const seconds = Math.min(options.durationSeconds, MAX_SECONDS);
  const samples = await sampleSides({
    label: "iperf3",
    sides: ALL.map((n) => fleet.sides.get(n)!),
    port: (s) => s.route.iperf3,
    needs: ["iperf3", fleet.iperf3],
    run: (port) => runIperf3(port, { durationSeconds: seconds }),
  }, options);
  const work = `iperf3 -t${seconds}`;
  return [
    ...compareRows(samples, [
      ["ours-tls", "ssh"],
      ["ours-plain", "ssh"],
      ["ours-tls", "forwarder"],
      ["ours-plain", "forwarder"],
      ["ours-tls", "direct"],
    ], {
      work: `${work} via the tcp mapping, Gbit/s`,
      unit: "Gbit/s",
      better: "higher",
      value: (s: WithCpu<Iperf3Result>) => s.result.receivedGbps,
    }),
    ...compareRows(
      samples,
      [["ours-tls", "ssh"], ["ours-plain", "ssh"], ["ours-tls", "forwarder"]],
      {
        work: `${work}, tunnel server + client CPU ms per GB`,
        unit: "ms/GB",
        better: "lower",
        value: (s: WithCpu<Iperf3Result>) =>
          s.cpuSeconds === null || s.result.receivedBytes === 0
            ? NaN
            : s.cpuSeconds * 1000 / (s.result.receivedBytes / 1e9),
      },
    ),
  ];
}
