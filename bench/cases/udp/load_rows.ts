/**
 * Request/response UDP load through each forwarder: the echo server directly, via nginx, via
 * socat and via ours, at each datagram size.
 * @module
 */

import type { Attempt } from "../../lib/attempt.ts";
import { sampleAlternately, sideIf } from "../../lib/alternate.ts";
import { measureCpu, type WithCpu } from "../../lib/cpu.ts";
import type { ManagedProcess } from "../../lib/process.ts";
import { buildRow } from "../../lib/row.ts";
import type { CaseOptions, Row } from "../../lib/types.ts";
import { runUdpLoad, type UdpLoadResult } from "../../lib/udp_load.ts";
import type { Fleet } from "./fleet.ts";
import { CLIENTS, LOWER_IS_BETTER, NGINX, SIZES, SOCAT, WINDOW } from "./names.ts";

type Sample = WithCpu<UdpLoadResult>;

/**
 * For each size in `SIZES`, runs the load (after a warm-up inside the same run) against each
 * side, alternating, and reports datagrams/s, the forwarder's CPU time per datagram and the
 * loss, each against nginx and against socat, plus the echo server without a proxy.
 * @param fleet the running processes
 * @param options duration, rounds, tools, log
 * @returns the rows
 */
export async function loadRows(fleet: Fleet, options: CaseOptions): Promise<Row[]> {
  const rows: Row[] = [];
  for (const size of SIZES) rows.push(...await sizeRows(fleet, options, size));
  return rows;
}

async function sizeRows(fleet: Fleet, options: CaseOptions, size: number): Promise<Row[]> {
  const seconds = options.durationSeconds;
  const load = {
    size,
    clients: CLIENTS,
    window: WINDOW,
    warmupSeconds: seconds >= 5 ? 2 : 1,
    durationSeconds: seconds,
  };
  function measure(port: number, process?: Attempt<ManagedProcess>): () => Promise<Sample> {
    const pid = process?.ok ? process.value.pid : undefined;
    // socat forks a child per client: its CPU time is the whole tree's.
    return () => measureCpu(pid, () => runUdpLoad(port, load), { includeChildren: true });
  }
  const { echo, nginx, socat, ours, ports } = fleet;
  const { available } = options;
  const sides = [
    sideIf("direct", [echo], available, measure(ports.echo)),
    sideIf("nginx", [echo, nginx], available, measure(ports.nginx, nginx)),
    sideIf("socat", [echo, socat], available, measure(ports.socat, socat)),
    sideIf("ours", [echo, ours], available, measure(ports.ours, ours)),
  ];
  const samples = await sampleAlternately(sides, options.rounds, (l) => {
    options.log(`${size} B ${l}`);
  });
  const work = `${size} B, ${CLIENTS} clients × ${WINDOW} in flight`;
  const oursSamples = samples.get("ours")!;
  const peers = [
    { name: NGINX, samples: samples.get("nginx")! },
    { name: SOCAT, samples: samples.get("socat")! },
  ];
  const rate = (s: Sample) => s.result.datagramsPerSecond;
  return [
    ...peers.map((peer) =>
      buildRow({
        work: `${work}, datagrams/s`,
        peerName: peer.name,
        peer: peer.samples,
        ours: oursSamples,
        unit: "datagrams/s",
        better: "higher",
        value: rate,
        warn: mismatch,
      })
    ),
    buildRow({
      work: `${work}, datagrams/s — reference: echo without proxy`,
      peerName: "echo direct",
      peer: samples.get("direct")!,
      ours: oursSamples,
      unit: "datagrams/s",
      better: "higher",
      value: rate,
      warn: mismatch,
    }),
    ...peers.map((peer) =>
      buildRow({
        work: `${work}, forwarder CPU µs per datagram ${LOWER_IS_BETTER}`,
        peerName: peer.name,
        peer: peer.samples,
        ours: oursSamples,
        unit: "µs",
        better: "lower",
        value: cpuPerDatagram,
      })
    ),
    ...peers.map((peer) =>
      lossRow(
        buildRow({
          work: `${work}, loss % ${LOWER_IS_BETTER}`,
          peerName: peer.name,
          peer: peer.samples,
          ours: oursSamples,
          unit: "%",
          better: "lower",
          value: (s) => s.result.lossPercent,
          warn: stalled,
        }),
      )
    ),
  ];
}

/**
 * CPU microseconds the forwarder spent per reply that came back over the whole run (warm-up
 * included): one request in and out plus one reply in and out.
 */
function cpuPerDatagram(sample: Sample): number {
  const { cpuSeconds, result } = sample;
  if (cpuSeconds === null || result.receivedTotal === 0) return NaN;
  return cpuSeconds * 1e6 / result.receivedTotal;
}

function mismatch({ result }: Sample): string | undefined {
  if (result.mismatched === 0) return undefined;
  return "some replies differed in size from their request";
}

function stalled({ result }: Sample): string | undefined {
  if (result.stalls === 0) return undefined;
  return "clients stalled (200 ms without a reply, window resent) in a run";
}

/** A loss row where ours lost nothing but the peer did has no finite ratio: say so. */
function lossRow(row: Row): Row {
  if (row.ratio !== null || row.ours !== 0 || row.peerValue === null) return row;
  return { ...row, notes: [...row.notes, "ours lost no datagram: the ratio is unbounded"] };
}
