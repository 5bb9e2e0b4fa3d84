/**
 * Case `h2`: HTTP/2 over TLS. h2load (one thread, 10 connections × 10 concurrent streams)
 * through ours (a `bind_ssl` `[[http.server]]`, ALPN h2) and through nginx (`http2 on`, one
 * worker), in the same run: a location proxied over HTTP/1.1 to an nginx origin (1 KiB), and
 * a 1 KiB static file.
 * @module
 */

import { sampleAlternately, sideIf } from "../lib/alternate.ts";
import { measureCpu, type WithCpu } from "../lib/cpu.ts";
import { type H2loadResult, runH2load } from "../lib/h2load.ts";
import { stopProcess } from "../lib/process.ts";
import { buildRow } from "../lib/row.ts";
import type { BenchCase, CaseOptions, Row, Tool } from "../lib/types.ts";
import { FILE, type H2Fleet, PROXIED, startH2Fleet } from "./h2/fleet.ts";

const TOOLS: readonly Tool[] = [
  { command: "nginx", versionArgs: ["-v"] },
  { command: "h2load", versionArgs: ["--version"] },
];
const PEER = "nginx 1 worker, http2 on";
const LOAD = { clients: 10, streams: 10 };
const LOWER = "(lower is better: ratio = peer/ours)";

/** The `h2` case. */
export const H2_CASE: BenchCase = {
  name: "h2",
  description: "HTTP/2 over TLS: h2load -c10 -m10 through ours (bind_ssl, ALPN h2) and nginx " +
    "(http2 on, 1 worker): proxied to an nginx origin (1 KiB) and a 1 KiB static file",
  tools: TOOLS,
  run: runH2Case,
};

async function runH2Case(options: CaseOptions): Promise<Row[]> {
  const dir = await Deno.makeTempDir({ prefix: "wmproxy-bench-h2-" });
  let fleet: H2Fleet | undefined;
  try {
    fleet = await startH2Fleet(dir, options);
    return [
      ...await pathRows(fleet, PROXIED, "proxied to an nginx origin", options),
      ...await pathRows(fleet, FILE, "static file", options),
    ];
  } finally {
    for (const process of fleet?.started.toReversed() ?? []) await stopProcess(process);
    await Deno.remove(dir, { recursive: true });
  }
}

async function pathRows(
  fleet: H2Fleet,
  path: string,
  what: string,
  options: CaseOptions,
): Promise<Row[]> {
  const seconds = options.durationSeconds;
  const warmup = seconds >= 5 ? 2 : 1;
  const measure = (port: number, pid?: number) => async (): Promise<WithCpu<H2loadResult>> => {
    const url = `https://127.0.0.1:${port}${path}`;
    await runH2load(url, { ...LOAD, durationSeconds: warmup });
    return await measureCpu(pid, () => runH2load(url, { ...LOAD, durationSeconds: seconds }));
  };
  const pid = (p: H2Fleet["ours"]) => p.ok ? p.value.pid : undefined;
  const { available } = options;
  const sides = [
    sideIf(
      "nginx",
      ["h2load", fleet.nginx],
      available,
      measure(fleet.ports.nginx, pid(fleet.nginx)),
    ),
    sideIf("ours", ["h2load", fleet.ours], available, measure(fleet.ports.ours, pid(fleet.ours))),
  ];
  const label = `h2load -t1 -c${LOAD.clients} -m${LOAD.streams} -D${seconds} GET ${path} (${what})`;
  const samples = await sampleAlternately(sides, options.rounds, (l) => {
    options.log(`${label}: ${l}`);
  });
  const common = { peer: samples.get("nginx")!, ours: samples.get("ours")!, peerName: PEER };
  return [
    buildRow({
      ...common,
      work: `${label}, rps`,
      unit: "req/s",
      better: "higher",
      value: (s) => s.result.rps,
      warn: warning,
    }),
    buildRow({
      ...common,
      work: `${label}, mean ms per request ${LOWER}`,
      unit: "ms",
      better: "lower",
      value: (s) => s.result.meanMs,
    }),
    buildRow({
      ...common,
      work: `${label}, server CPU µs per request ${LOWER}`,
      unit: "µs",
      better: "lower",
      value: (s) => s.cpuSeconds === null ? NaN : s.cpuSeconds * 1e6 / s.result.requests,
    }),
  ];
}

function warning({ result }: WithCpu<H2loadResult>): string | undefined {
  if (result.failed === 0 && result.non2xx === 0) return undefined;
  return `h2load saw ${result.failed} failed requests and ${result.non2xx} non-2xx answers`;
}
