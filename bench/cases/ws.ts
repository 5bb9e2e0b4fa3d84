/**
 * Case `ws`: WebSocket→TCP bridging, wmproxy's `bind_mode = "ws2tcp"` against websockify
 * (Debian), both in front of the same TCP echo and driven by the same Deno client
 * (`bench/lib/ws_load.ts`): binary messages of 64 B and 16 KiB over 4 connections, with the
 * CPU time each bridge used per message.
 * @module
 */

import { type Attempt, attempt } from "../lib/attempt.ts";
import { sampleAlternately, sideIf } from "../lib/alternate.ts";
import { freePort } from "../lib/ports.ts";
import { type ManagedProcess, stopProcess } from "../lib/process.ts";
import { buildRow } from "../lib/row.ts";
import type { BenchCase, CaseOptions, Row, Tool } from "../lib/types.ts";
import { runWsLoad, type WsLoadReport } from "../lib/ws_load.ts";
import { measureCpu } from "../lib/cpu.ts";
import { startTcpEcho } from "../servers/tcp_echo.ts";
import { startWebsockify } from "../servers/websockify.ts";
import { startWmproxyWs2Tcp } from "../servers/wmproxy.ts";
import { WS_LOADS } from "./ws/loads.ts";

const TOOLS: readonly Tool[] = [
  { command: "websockify", versionArgs: ["--help"] },
];
const PEER = "websockify";

/** One run: what the client measured, and the CPU seconds the bridge used meanwhile. */
interface Sample extends WsLoadReport {
  cpuSeconds: number;
}

/** The `ws` case. */
export const WS_CASE: BenchCase = {
  name: "ws",
  description: "WebSocket to TCP: wmproxy ws2tcp vs websockify, same client, TCP echo behind",
  tools: TOOLS,
  run: runWsCase,
};

async function runWsCase(options: CaseOptions): Promise<Row[]> {
  const dir = await Deno.makeTempDir({ prefix: "wmproxy-bench-ws-" });
  const started: ManagedProcess[] = [];
  const keep = async (p: Promise<ManagedProcess>): Promise<Attempt<ManagedProcess>> => {
    const a = await attempt(() => p);
    if (a.ok) started.push(a.value);
    return a;
  };
  try {
    const echoPort = freePort();
    const echo = await keep(startTcpEcho(echoPort));
    if (!echo.ok) throw new Error(echo.error);
    const peerPort = freePort();
    const oursPort = freePort();
    const peer = options.available.has("websockify")
      ? await keep(startWebsockify(peerPort, echoPort))
      : { ok: false as const, error: "websockify is not installed" };
    const ours = await keep(startWmproxyWs2Tcp(dir, oursPort, echoPort));
    const rows: Row[] = [];
    for (const load of WS_LOADS) {
      // The bridge's CPU time is read around each run; websockify forks a process per client.
      const sample = (port: number, process: Attempt<ManagedProcess>) => async () => {
        const pid = process.ok ? process.value.pid : undefined;
        const run = () =>
          runWsLoad(`ws://127.0.0.1:${port}/`, { ...load, seconds: options.durationSeconds });
        const m = await measureCpu(pid, run, { includeChildren: true });
        return { ...m.result, cpuSeconds: m.cpuSeconds ?? NaN };
      };
      const samples = await sampleAlternately<Sample>(
        [
          sideIf(PEER, [peer], options.available, sample(peerPort, peer)),
          sideIf("ours", [ours], new Set(), sample(oursPort, ours)),
        ],
        options.rounds,
        (line) => options.log(`${load.label}: ${line}`),
      );
      const spec = {
        better: "higher" as const,
        peerName: PEER,
        peer: samples.get(PEER)!,
        ours: samples.get("ours")!,
      };
      rows.push(buildRow({
        ...spec,
        work: `${load.label} messages/s`,
        unit: "msg/s",
        value: (r: WsLoadReport) => r.messages / r.seconds,
      }));
      rows.push(buildRow({
        ...spec,
        work: `${load.label} MB/s (one way)`,
        unit: "MB/s",
        value: (r: WsLoadReport) => r.bytes / r.seconds / 1e6,
      }));
      rows.push(buildRow({
        ...spec,
        better: "lower",
        work: `${load.label} bridge CPU µs/message`,
        unit: "µs",
        value: (r: Sample) => r.cpuSeconds / r.messages * 1e6,
      }));
    }
    return rows;
  } finally {
    for (const p of started.toReversed()) await stopProcess(p);
    await Deno.remove(dir, { recursive: true });
  }
}
