/**
 * Resident memory per idle open stream: 1,000 TCP connections through each side to the echo
 * origin, each checked with one echoed byte, held open while the server and client
 * processes' VmRSS is read, then closed. Measured on fresh processes, before any load.
 * @module
 */

import { type Attempt, attempt } from "../../lib/attempt.ts";
import { openIdleConnections } from "../../lib/idle_clients.ts";
import type { CaseOptions, Row } from "../../lib/types.ts";
import { compareRows } from "./compare.ts";
import type { Fleet } from "./fleet.ts";
import { memoryOf, type SideName, unavailable } from "./side.ts";

/** Idle streams per side. */
export const IDLE_STREAMS = 1000;
const WARMUP_STREAMS = 32;
const SETTLE_MS = 500;

/** KiB each idle stream added to VmRSS. */
export interface IdleStreamSample {
  /** At the server end. */
  serverKiB: number;
  /** At the client end (none for the forwarder). */
  clientKiB: number;
  /** Both. */
  totalKiB: number;
}

const MEASURED: readonly SideName[] = ["forwarder", "ssh", "ours-tls", "ours-plain"];

/**
 * Opens `IDLE_STREAMS` echo-checked connections through each side in turn and reports KiB per
 * stream, of server + client and of each end.
 * @param fleet the running processes, before load
 * @param options tools, log
 * @returns the rows
 */
export async function idleRows(fleet: Fleet, options: CaseOptions): Promise<Row[]> {
  const samples = new Map<SideName, Attempt<IdleStreamSample>[]>();
  for (const name of MEASURED) {
    const side = fleet.sides.get(name)!;
    const why = unavailable(side, [fleet.echo], options.available);
    if (why !== undefined) {
      samples.set(name, [{ ok: false, error: why }]);
      continue;
    }
    options.log(`idle: ${IDLE_STREAMS} streams through ${name}`);
    const sample = await attempt(async () => {
      const warm = await openIdleConnections(side.route.echo, WARMUP_STREAMS, { echoByte: true });
      warm.close();
      await pause(SETTLE_MS);
      const server0 = await memoryOf(side.watched, "server");
      const client0 = await memoryOf(side.watched, "client");
      const set = await openIdleConnections(side.route.echo, IDLE_STREAMS, { echoByte: true });
      try {
        await pause(SETTLE_MS);
        const server1 = await memoryOf(side.watched, "server");
        const client1 = await memoryOf(side.watched, "client");
        const perStream = (before: number, after: number) => (after - before) * 1024 / IDLE_STREAMS;
        const serverKiB = perStream(server0.rssMiB, server1.rssMiB);
        const clientKiB = perStream(client0.rssMiB, client1.rssMiB);
        return { serverKiB, clientKiB, totalKiB: serverKiB + clientKiB };
      } finally {
        set.close();
      }
    });
    options.log(`idle ${name}: ${sample.ok ? JSON.stringify(sample.value) : sample.error}`);
    samples.set(name, [sample]);
    await pause(SETTLE_MS);
  }
  const work = `${IDLE_STREAMS} idle streams (one echoed byte each)`;
  const kib = { unit: "KiB", better: "lower" as const };
  return [
    ...compareRows(samples, [["ours-tls", "ssh"], ["ours-plain", "ssh"], [
      "ours-tls",
      "forwarder",
    ]], {
      ...kib,
      work: `${work}, server + client VmRSS KiB per stream`,
      value: (s: IdleStreamSample) => s.totalKiB,
    }),
    ...compareRows(samples, [["ours-tls", "ssh"]], {
      ...kib,
      work: `${work}, server VmRSS KiB per stream`,
      value: (s: IdleStreamSample) => s.serverKiB,
    }),
    ...compareRows(samples, [["ours-tls", "ssh"]], {
      ...kib,
      work: `${work}, client VmRSS KiB per stream`,
      value: (s: IdleStreamSample) => s.clientKiB,
    }),
  ];
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
