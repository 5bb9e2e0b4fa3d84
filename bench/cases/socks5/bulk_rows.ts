/**
 * Tunnel throughput: 100 MiB downloads from nginx, one after another on a single connection
 * at a time, through each SOCKS5 proxy's CONNECT tunnel and directly.
 * @module
 */

import type { Attempt } from "../../lib/attempt.ts";
import { sampleAlternately, sideIf } from "../../lib/alternate.ts";
import { measureCpu, type WithCpu } from "../../lib/cpu.ts";
import type { ManagedProcess } from "../../lib/process.ts";
import { buildRow } from "../../lib/row.ts";
import { runSocks5Load, type Socks5LoadResult } from "../../lib/socks5_load.ts";
import type { CaseOptions, Row } from "../../lib/types.ts";
import { BULK_PATH } from "../../servers/nginx.ts";
import type { Fleet } from "./fleet.ts";
import { BULK_BYTES, BULK_MAX_SECONDS, DANTE, LOWER_IS_BETTER, MICROSOCKS } from "./names.ts";
import { warning } from "./load_rows.ts";

type Sample = WithCpu<Socks5LoadResult>;

/**
 * Downloads the large file back to back (one in flight, at most 5 s counted after a 1 s
 * warm-up) through each side, alternating, and reports MB/s and the proxy's CPU time per GB,
 * each against dante and against microsocks, plus the download without a proxy.
 * @param fleet the running processes
 * @param options duration, rounds, tools, log
 * @returns the rows
 */
export async function bulkRows(fleet: Fleet, options: CaseOptions): Promise<Row[]> {
  const seconds = Math.min(options.durationSeconds, BULK_MAX_SECONDS);
  const load = { workers: 1, path: BULK_PATH, warmupSeconds: 1, durationSeconds: seconds };
  const { nginx, dante, microsocks, ours, ports } = fleet;
  function measure(port: number, process?: Attempt<ManagedProcess>): () => Promise<Sample> {
    const pid = process?.ok ? process.value.pid : undefined;
    const targetPort = process === undefined ? null : ports.origin;
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
  const samples = await sampleAlternately(sides, options.rounds, (l) => {
    options.log(`bulk ${l}`);
  });
  const work = `${BULK_BYTES / 1024 / 1024} MiB downloads through the tunnel, back to back`;
  const oursSamples = samples.get("ours")!;
  const peers = [
    { name: DANTE, samples: samples.get("dante")! },
    { name: MICROSOCKS, samples: samples.get("microsocks")! },
  ];
  const rate = (s: Sample) => s.result.megabytesPerSecond;
  return [
    ...peers.map((peer) =>
      buildRow({
        work: `${work}, MB/s`,
        peerName: peer.name,
        peer: peer.samples,
        ours: oursSamples,
        unit: "MB/s",
        better: "higher",
        value: rate,
        warn: warning,
      })
    ),
    ...peers.map((peer) =>
      buildRow({
        work: `${work}, proxy CPU ms per GB ${LOWER_IS_BETTER}`,
        peerName: peer.name,
        peer: peer.samples,
        ours: oursSamples,
        unit: "ms/GB",
        better: "lower",
        value: cpuPerGigabyte,
      })
    ),
    buildRow({
      work: `${work}, MB/s — reference: nginx without proxy`,
      peerName: "nginx direct",
      peer: samples.get("direct")!,
      ours: oursSamples,
      unit: "MB/s",
      better: "higher",
      value: rate,
      warn: warning,
    }),
  ];
}

/** CPU milliseconds the proxy spent per 10^9 response bytes over the whole run. */
function cpuPerGigabyte({ cpuSeconds, result }: Sample): number {
  if (cpuSeconds === null || result.bytesTotal === 0) return NaN;
  return cpuSeconds * 1000 / (result.bytesTotal / 1e9);
}
