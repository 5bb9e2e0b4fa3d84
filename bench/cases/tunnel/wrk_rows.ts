/**
 * HTTP load through each side: wrk -t1 -c50 keep-alive through the tcp mapping (and the same
 * ports of the peers), through our http mapping, and with `Connection: close` (a new stream
 * per request: connect, request, close).
 * @module
 */

import type { WithCpu } from "../../lib/cpu.ts";
import type { CaseOptions, Row } from "../../lib/types.ts";
import { runWrk, type WrkResult } from "../../lib/wrk.ts";
import { compareRows } from "./compare.ts";
import type { Fleet } from "./fleet.ts";
import { sampleSides, type SideSamples } from "./load.ts";
import { HTTP_MAPPING_HOST, type Side, type SideName } from "./side.ts";

const THREADS = 1;
const CONNECTIONS = 50;

const ALL: readonly SideName[] = ["direct", "forwarder", "ssh", "ours-tls", "ours-plain"];

/**
 * Runs the three wrk loads and reports rps, p99, new streams per second and CPU per request.
 * @param fleet the running processes
 * @param options duration, rounds, tools, log
 * @returns the rows
 */
export async function wrkRows(fleet: Fleet, options: CaseOptions): Promise<Row[]> {
  const seconds = options.durationSeconds;
  const warmup = seconds >= 5 ? 2 : 1;
  const load = { threads: THREADS, connections: CONNECTIONS };
  function wrk(headers: string[]) {
    return async (port: number) => {
      const url = `http://127.0.0.1:${port}/`;
      await runWrk(url, { ...load, headers, durationSeconds: warmup });
      return await runWrk(url, { ...load, headers, durationSeconds: seconds });
    };
  }
  const sides = (names: readonly SideName[]) => names.map((n) => fleet.sides.get(n)!);
  const needs = ["wrk", fleet.nginx];
  const tcp = await sampleSides({
    label: "wrk tcp",
    sides: sides(ALL),
    port: (s: Side) => s.route.http,
    needs,
    run: wrk([]),
  }, options);
  const http = await sampleSides({
    label: "wrk http mapping",
    sides: sides(["ours-tls", "ours-plain"]),
    port: (s: Side) => s.httpMapping,
    needs,
    run: wrk([`Host: ${HTTP_MAPPING_HOST}`]),
  }, options);
  const close = await sampleSides({
    label: "wrk Connection: close",
    sides: sides(ALL),
    port: (s: Side) => s.route.http,
    needs,
    run: wrk(["Connection: close"]),
  }, options);
  // The http mapping's rows compare with the peers' tcp runs (they have no http routing).
  const httpVsPeers: SideSamples<WrkResult> = new Map([
    ...tcp,
    ["ours-tls", http.get("ours-tls")!],
    ["ours-plain", http.get("ours-plain")!],
  ]);
  const work = `wrk -t${THREADS} -c${CONNECTIONS} -d${seconds}s`;
  const rps = {
    unit: "req/s",
    better: "higher" as const,
    value: (s: WithCpu<WrkResult>) => s.result.rps,
    warn,
  };
  const p99 = {
    unit: "ms",
    better: "lower" as const,
    value: (s: WithCpu<WrkResult>) => s.result.latencyMs[99] ?? NaN,
    warn,
  };
  const cpu = {
    unit: "µs",
    better: "lower" as const,
    value: (s: WithCpu<WrkResult>) =>
      s.cpuSeconds === null ? NaN : s.cpuSeconds * 1e6 / s.result.requests,
  };
  return [
    ...compareRows(tcp, [
      ["ours-tls", "ssh"],
      ["ours-plain", "ssh"],
      ["ours-tls", "forwarder"],
      ["ours-plain", "forwarder"],
      ["ours-tls", "direct"],
    ], { ...rps, work: `${work} via the tcp mapping, rps` }),
    ...compareRows(tcp, [["ours-tls", "ssh"], ["ours-plain", "ssh"]], {
      ...p99,
      work: `${work} via the tcp mapping, p99 latency ms`,
    }),
    ...compareRows(tcp, [["ours-tls", "ssh"], ["ours-plain", "ssh"], ["ours-tls", "forwarder"]], {
      ...cpu,
      work: `${work} via the tcp mapping, tunnel server + client CPU µs per request`,
    }),
    ...compareRows(httpVsPeers, [["ours-tls", "ssh"], ["ours-plain", "ssh"], [
      "ours-tls",
      "forwarder",
    ]], { ...rps, work: `${work} via the http mapping (peers: their tcp path), rps` }),
    ...compareRows(httpVsPeers, [["ours-tls", "ssh"]], {
      ...p99,
      work: `${work} via the http mapping (peers: their tcp path), p99 latency ms`,
    }),
    ...compareRows(close, [
      ["ours-tls", "ssh"],
      ["ours-plain", "ssh"],
      ["ours-tls", "forwarder"],
      ["ours-plain", "forwarder"],
      ["ours-tls", "direct"],
    ], {
      ...rps,
      unit: "streams/s",
      work: `${work} Connection: close via the tcp mapping, new streams/s`,
    }),
    ...compareRows(close, [["ours-tls", "ssh"], ["ours-tls", "forwarder"]], {
      ...cpu,
      work: `${work} Connection: close, tunnel server + client CPU µs per new stream`,
    }),
  ];
}

function warn({ result }: WithCpu<WrkResult>): string | undefined {
  if (result.socketErrors === 0 && result.non2xx === 0) return undefined;
  const e = result.socketErrorsByKind;
  return `wrk saw socket errors (connect ${e.connect}, read ${e.read}, write ${e.write}, ` +
    `timeout ${e.timeout}) and ${result.non2xx} non-2xx answers in a run`;
}
