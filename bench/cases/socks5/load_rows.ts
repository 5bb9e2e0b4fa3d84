/**
 * Connection-per-request load through each SOCKS5 proxy: the same Python client against nginx
 * directly, via dante, via microsocks and via ours.
 * @module
 */

import type { Attempt } from "../../lib/attempt.ts";
import { sampleAlternately, sideIf } from "../../lib/alternate.ts";
import { measureCpu, type WithCpu } from "../../lib/cpu.ts";
import type { ManagedProcess } from "../../lib/process.ts";
import { buildRow } from "../../lib/row.ts";
import { runSocks5Load, type Socks5LoadResult } from "../../lib/socks5_load.ts";
import type { CaseOptions, Row } from "../../lib/types.ts";
import type { Fleet } from "./fleet.ts";
import { DANTE, LOWER_IS_BETTER, MICROSOCKS, WORKERS } from "./names.ts";

type Sample = WithCpu<Socks5LoadResult>;

/** A generator above this share of one core may itself have set the pace. */
const SATURATED_CORE_SHARE = 0.9;

/**
 * Runs the load (after a warm-up inside the same run) against each side, alternating, and
 * reports connections/s, the p99 duration of one iteration and the proxy's CPU time per
 * connection, each against dante and against microsocks, plus nginx without a proxy loaded by
 * the same client. The connections/s rows note how much of a core the generator itself used.
 * @param fleet the running processes
 * @param options duration, rounds, tools, log
 * @returns the rows
 */
export async function loadRows(fleet: Fleet, options: CaseOptions): Promise<Row[]> {
  const seconds = options.durationSeconds;
  const load = {
    workers: WORKERS,
    warmupSeconds: seconds >= 5 ? 2 : 1,
    durationSeconds: seconds,
  };
  const { nginx, dante, microsocks, ours, ports } = fleet;
  function measure(port: number, process?: Attempt<ManagedProcess>): () => Promise<Sample> {
    const pid = process?.ok ? process.value.pid : undefined;
    const targetPort = process === undefined ? null : ports.origin;
    // dante works in child processes: its CPU time is the whole tree's.
    return () =>
      measureCpu(pid, () => runSocks5Load(port, { ...load, targetPort }), {
        includeChildren: true,
      });
  }
  const { available } = options;
  const sides = [
    sideIf("direct", ["python3", nginx], available, measure(ports.origin)),
    sideIf("dante", ["python3", nginx, dante], available, measure(ports.dante, dante)),
    sideIf(
      "microsocks",
      ["python3", nginx, microsocks],
      available,
      measure(ports.microsocks, microsocks),
    ),
    sideIf("ours", ["python3", nginx, ours], available, measure(ports.ours, ours)),
  ];
  const samples = await sampleAlternately(sides, options.rounds, (l) => options.log(l));
  const work = `${WORKERS} workers × (connect, SOCKS5 CONNECT, GET, read to EOF)`;
  const oursSamples = samples.get("ours")!;
  const peers = [
    { name: DANTE, samples: samples.get("dante")! },
    { name: MICROSOCKS, samples: samples.get("microsocks")! },
  ];
  function perPeer(
    label: string,
    unit: string,
    better: "higher" | "lower",
    value: (s: Sample) => number,
  ): Row[] {
    return peers.map((peer) =>
      buildRow({
        work: `${work}, ${label}`,
        peerName: peer.name,
        peer: peer.samples,
        ours: oursSamples,
        unit,
        better,
        value,
        warn: warning,
      })
    );
  }
  const rate = (s: Sample) => s.result.perSecond;
  const direct = samples.get("direct")!;
  return [
    ...perPeer("connections/s", "conn/s", "higher", rate).map((row, i) =>
      withGeneratorNote(row, [[peers[i].name, peers[i].samples], ["ours", oursSamples]])
    ),
    ...perPeer(`p99 ms of one iteration ${LOWER_IS_BETTER}`, "ms", "lower", (s) => {
      return s.result.p99Ms;
    }),
    ...perPeer(`proxy CPU µs per connection ${LOWER_IS_BETTER}`, "µs", "lower", cpuPerConnection),
    withGeneratorNote(
      buildRow({
        work: `${work}, connections/s — reference: nginx without proxy (same client: ` +
          `connect, GET, read to EOF)`,
        peerName: "nginx direct",
        peer: direct,
        ours: oursSamples,
        unit: "conn/s",
        better: "higher",
        value: rate,
        warn: warning,
      }),
      [["nginx direct", direct], ["ours", oursSamples]],
    ),
  ];
}

/**
 * CPU microseconds the proxy spent per iteration completed over the whole run (warm-up
 * included): accept, handshake, connect out, relay both ways, close both.
 */
function cpuPerConnection({ cpuSeconds, result }: Sample): number {
  if (cpuSeconds === null || result.completedTotal === 0) return NaN;
  return cpuSeconds * 1e6 / result.completedTotal;
}

/**
 * A note on a run in which iterations failed, answered other than 200 or timed out.
 * @param sample one run
 * @returns the note, or undefined for a clean run
 */
export function warning({ result }: Sample): string | undefined {
  const { failed, non200, timeouts, firstError } = result;
  if (failed === 0 && non200 === 0 && timeouts === 0) return undefined;
  const first = firstError === null ? "" : ` (first: ${firstError})`;
  return `${failed} failed, ${non200} non-200 and ${timeouts} timed-out iterations in a run${first}`;
}

/**
 * How much of one core the load generator used in a side's best run (by rate), and how much of
 * that was kernel time; a side where it neared a full core may have been held back by it.
 * @param sides each side's name and samples
 * @returns the note's text, or undefined when no side has a sample
 */
export function generatorNote(
  sides: readonly (readonly [string, readonly Attempt<Sample>[]])[],
): string | undefined {
  const parts: string[] = [];
  let saturated = false;
  for (const [name, samples] of sides) {
    const runs = samples.flatMap((s) => s.ok ? [s.value.result] : []);
    if (runs.length === 0) continue;
    const best = runs.reduce((a, b) => b.perSecond > a.perSecond ? b : a);
    const cpu = best.cpuUserSeconds + best.cpuSystemSeconds;
    const share = best.wallSeconds > 0 ? cpu / best.wallSeconds : NaN;
    const kernel = cpu > 0 ? best.cpuSystemSeconds / cpu : NaN;
    saturated ||= share >= SATURATED_CORE_SHARE;
    parts.push(`${name} ${percent(share)} of a core (${percent(kernel)} of it kernel)`);
  }
  if (parts.length === 0) return undefined;
  const why = saturated ? "; near a full core the generator may have set the pace" : "";
  return `load generator in the best runs: ${parts.join(", ")}${why}`;
}

function withGeneratorNote(
  row: Row,
  sides: readonly (readonly [string, readonly Attempt<Sample>[]])[],
): Row {
  const note = generatorNote(sides);
  return note === undefined ? row : { ...row, notes: [...row.notes, note] };
}

function percent(share: number): string {
  return Number.isFinite(share) ? `${Math.round(share * 100)}%` : "n/a";
}
