/**
 * HTTP load through each forward proxy: wrk against nginx directly, via tinyproxy, via squid
 * and via ours, with kept-alive connections and with a new connection per request.
 * @module
 */

import { sampleAlternately, sideIf } from "../../lib/alternate.ts";
import { measureCpu, type WithCpu } from "../../lib/cpu.ts";
import { buildRow } from "../../lib/row.ts";
import type { CaseOptions, Row } from "../../lib/types.ts";
import { runWrk, wrkRequestScript, type WrkResult } from "../../lib/wrk.ts";
import type { Fleet } from "./fleet.ts";
import { CONNECTIONS, LOWER_IS_BETTER, SQUID, THREADS, TINYPROXY } from "./names.ts";

type Sample = WithCpu<WrkResult>;

/** How the load uses its connections. */
interface Mode {
  /** Label at the start of each row. */
  name: string;
  /** Extra request headers. */
  headers: readonly string[];
}

const MODES: readonly Mode[] = [
  { name: "keep-alive", headers: [] },
  { name: "Connection: close", headers: ["Connection: close"] },
];

/**
 * For each mode, runs wrk (after a short warm-up) against each side, alternating, and reports
 * rps, p99 latency and the proxy's CPU time per request against tinyproxy and against squid,
 * plus nginx without a proxy. Through a proxy, wrk sends absolute-form requests
 * (`GET http://127.0.0.1:<origin>/`) from a Lua script written into `dir`.
 * @param fleet the running processes
 * @param dir the case's temp directory
 * @param options duration, rounds, tools, log
 * @returns the rows
 */
export async function wrkRows(fleet: Fleet, dir: string, options: CaseOptions): Promise<Row[]> {
  const origin = `127.0.0.1:${fleet.ports.origin}`;
  const script = `${dir}/absolute_form.lua`;
  await Deno.writeTextFile(
    script,
    wrkRequestScript({ path: `http://${origin}/`, host: origin }),
  );
  const rows: Row[] = [];
  for (const mode of MODES) rows.push(...await modeRows(fleet, script, mode, options));
  return rows;
}

async function modeRows(
  fleet: Fleet,
  script: string,
  mode: Mode,
  options: CaseOptions,
): Promise<Row[]> {
  const seconds = options.durationSeconds;
  const warmupSeconds = seconds >= 5 ? 2 : 1;
  function measure(port: number, viaProxy: boolean, pid?: number): () => Promise<Sample> {
    const url = `http://127.0.0.1:${port}/`;
    const load = {
      threads: THREADS,
      connections: CONNECTIONS,
      headers: mode.headers,
      script: viaProxy ? script : undefined,
    };
    return async () => {
      await runWrk(url, { ...load, durationSeconds: warmupSeconds });
      // A proxy that forks (or spawns helpers) is measured with its children.
      return await measureCpu(pid, () => runWrk(url, { ...load, durationSeconds: seconds }), {
        includeChildren: true,
      });
    };
  }
  const { nginx, tinyproxy, squid, ours, ports } = fleet;
  const { available } = options;
  const pid = (process: typeof ours) => process.ok ? process.value.pid : undefined;
  const sides = [
    sideIf("direct", ["wrk", nginx], available, measure(ports.origin, false)),
    sideIf(
      "tinyproxy",
      ["wrk", nginx, tinyproxy],
      available,
      measure(ports.tinyproxy, true, pid(tinyproxy)),
    ),
    sideIf("squid", ["wrk", nginx, squid], available, measure(ports.squid, true, pid(squid))),
    sideIf("ours", ["wrk", nginx, ours], available, measure(ports.ours, true, pid(ours))),
  ];
  const samples = await sampleAlternately(sides, options.rounds, (l) => {
    options.log(`${mode.name} ${l}`);
  });
  const work = `${mode.name}: wrk -t${THREADS} -c${CONNECTIONS} -d${seconds}s`;
  const oursSamples = samples.get("ours")!;
  const peers = [
    { name: TINYPROXY, samples: samples.get("tinyproxy")! },
    { name: SQUID, samples: samples.get("squid")! },
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
  return [
    ...perPeer("rps", "req/s", "higher", (s) => s.result.rps),
    ...perPeer(`p99 latency ms ${LOWER_IS_BETTER}`, "ms", "lower", (s) => {
      return s.result.latencyMs[99] ?? NaN;
    }),
    ...perPeer(`proxy CPU µs per request ${LOWER_IS_BETTER}`, "µs", "lower", cpuPerRequest),
    buildRow({
      work: `${work}, rps — reference: nginx without proxy`,
      peerName: "nginx direct",
      peer: samples.get("direct")!,
      ours: oursSamples,
      unit: "req/s",
      better: "higher",
      value: (s) => s.result.rps,
      warn: warning,
    }),
  ];
}

/** CPU microseconds the proxy spent per completed request of the measured run. */
function cpuPerRequest({ cpuSeconds, result }: Sample): number {
  return cpuSeconds === null ? NaN : cpuSeconds * 1e6 / result.requests;
}

/**
 * A note on a run with socket errors or non-2xx answers. A proxy that closes the connection
 * after each response without saying `Connection: close` makes wrk fail one read per request
 * (the next request's) and reconnect: that gets its own note, as it is the proxy's way of
 * working rather than a fault.
 * @param sample one run
 * @returns the note, or undefined for a clean run
 */
export function warning({ result }: Sample): string | undefined {
  const { socketErrors, socketErrorsByKind: kinds, non2xx, requests } = result;
  if (socketErrors === 0 && non2xx === 0) return undefined;
  const onlyReads = kinds.read === socketErrors && non2xx === 0;
  if (onlyReads && kinds.read >= requests * 0.9) {
    return "closed the connection after every response without `Connection: close`, so wrk " +
      "counted a read error per request and reconnected (no client keep-alive)";
  }
  return `wrk saw socket errors (connect ${kinds.connect}, read ${kinds.read}, write ` +
    `${kinds.write}, timeout ${kinds.timeout}) and ${non2xx} non-2xx answers in a run`;
}
