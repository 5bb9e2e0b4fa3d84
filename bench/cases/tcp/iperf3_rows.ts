/**
 * Bulk throughput through each forwarder: iperf3 directly, via HAProxy and via ours.
 * @module
 */

import { sampleAlternately, sideIf } from "../../lib/alternate.ts";
import { measureCpu, type WithCpu } from "../../lib/cpu.ts";
import { type Iperf3Result, runIperf3 } from "../../lib/iperf3.ts";
import { buildRow } from "../../lib/row.ts";
import type { CaseOptions, Row } from "../../lib/types.ts";
import type { Fleet } from "./fleet.ts";
import { LOWER_IS_BETTER, PEER } from "./names.ts";

const MAX_SECONDS = 5;

/**
 * Runs iperf3 (at most 5 s) against each side, alternating, and reports the receiver's
 * throughput and the forwarder's CPU time per GB moved.
 * @param fleet the running processes
 * @param options duration, rounds, tools, log
 * @returns the rows
 */
export async function iperf3Rows(fleet: Fleet, options: CaseOptions): Promise<Row[]> {
  const seconds = Math.min(options.durationSeconds, MAX_SECONDS);
  function measure(port: number, pid?: number): () => Promise<WithCpu<Iperf3Result>> {
    return () => measureCpu(pid, () => runIperf3(port, { durationSeconds: seconds }));
  }
  const { iperf3, haproxy, ours } = fleet;
  const { available } = options;
  const sides = [
    sideIf("direct", [iperf3], available, measure(fleet.upstream.iperf3)),
    sideIf(
      "haproxy",
      [iperf3, haproxy],
      available,
      measure(fleet.haproxyPorts.iperf3, haproxy.ok ? haproxy.value.pid : undefined),
    ),
    sideIf(
      "ours",
      [iperf3, ours],
      available,
      measure(fleet.oursPorts.iperf3, ours.ok ? ours.value.pid : undefined),
    ),
  ];
  const samples = await sampleAlternately(sides, options.rounds, (l) => options.log(`iperf3 ${l}`));
  const work = `iperf3 -t${seconds}`;
  const common = { peer: samples.get("haproxy")!, ours: samples.get("ours")!, peerName: PEER };
  return [
    buildRow({
      ...common,
      work: `${work}, Gbit/s`,
      unit: "Gbit/s",
      better: "higher",
      value: (s) => s.result.receivedGbps,
    }),
    buildRow({
      ...common,
      work: `${work}, forwarder CPU ms per GB ${LOWER_IS_BETTER}`,
      unit: "ms/GB",
      better: "lower",
      value: (s) =>
        s.cpuSeconds === null || s.result.receivedBytes === 0
          ? NaN
          : s.cpuSeconds * 1000 / (s.result.receivedBytes / 1e9),
    }),
    buildRow({
      ...common,
      work: `${work}, Gbit/s — reference: iperf3 without proxy`,
      peer: samples.get("direct")!,
      peerName: "iperf3 direct",
      unit: "Gbit/s",
      better: "higher",
      value: (s) => s.result.receivedGbps,
    }),
  ];
}
