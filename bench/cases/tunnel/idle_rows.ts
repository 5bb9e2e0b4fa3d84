/**
 * Resident memory per idle open stream: 1,000 TCP connections through each side to the echo
 * origin, each checked with one echoed byte, held open while the server and client
 * processes' VmRSS is read, then closed. Measured on fresh processes, before any load. Ours is
 * also measured at 3,000 (the slope from 1,000 leaves out what a fresh process pays once, such
 * as its JS heap growing), and both figures sit next to Deno's floor for the same shape
 * (`bench/floor/idle_floor.ts`: one socket with a pending read at each end, nothing else).
 * @module
 */

import { type Attempt, attempt } from "../../lib/attempt.ts";
import { openIdleConnections } from "../../lib/idle_clients.ts";
import type { CaseOptions, Row } from "../../lib/types.ts";
import { tunnelEndsFloor } from "../../floor/idle_floor.ts";
import { compareRows } from "./compare.ts";
import type { Fleet } from "./fleet.ts";
import { memoryOf, type SideName, unavailable } from "./side.ts";

/** Idle streams per side. */
export const IDLE_STREAMS = 1000;
/** Idle streams ours and the floor are also measured at, for the slope. */
export const SLOPE_STREAMS = 3000;
/** The goal: KiB per idle stream, server + client. */
export const GOAL_KIB = 8;
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
const SLOPED: ReadonlySet<SideName> = new Set(["ours-tls", "ours-plain"]);

/**
 * Opens `IDLE_STREAMS` echo-checked connections through each side in turn (ours then up to
 * `SLOPE_STREAMS`) and reports KiB per stream, of server + client and of each end, next to the
 * peers and the floor.
 * @param fleet the running processes, before load
 * @param options tools, log
 * @returns the rows
 */
export async function idleRows(fleet: Fleet, options: CaseOptions): Promise<Row[]> {
  const first = new Map<SideName, Attempt<IdleStreamSample>[]>();
  const slope = new Map<SideName, Attempt<IdleStreamSample>[]>();
  for (const name of MEASURED) {
    const side = fleet.sides.get(name)!;
    const why = unavailable(side, [fleet.echo], options.available);
    if (why !== undefined) {
      first.set(name, [{ ok: false, error: why }]);
      if (SLOPED.has(name)) slope.set(name, [{ ok: false, error: why }]);
      continue;
    }
    options.log(`idle: ${IDLE_STREAMS} streams through ${name}`);
    let sloped = { ok: false, error: "not measured" } as Attempt<IdleStreamSample>;
    const sample = await attempt(async () => {
      const warm = await openIdleConnections(side.route.echo, WARMUP_STREAMS, { echoByte: true });
      warm.close();
      await pause(SETTLE_MS);
      const at0 = await endsMemory(fleet, name);
      const set = await openIdleConnections(side.route.echo, IDLE_STREAMS, { echoByte: true });
      const more = [set];
      try {
        await pause(SETTLE_MS);
        const at1 = await endsMemory(fleet, name);
        if (SLOPED.has(name)) {
          options.log(`idle: up to ${SLOPE_STREAMS} streams through ${name}`);
          sloped = await attempt(async () => {
            more.push(
              await openIdleConnections(side.route.echo, SLOPE_STREAMS - IDLE_STREAMS, {
                echoByte: true,
              }),
            );
            await pause(SETTLE_MS);
            return perStream(at1, await endsMemory(fleet, name), SLOPE_STREAMS - IDLE_STREAMS);
          });
        }
        return perStream(at0, at1, IDLE_STREAMS);
      } finally {
        for (const s of more) s.close();
      }
    });
    options.log(`idle ${name}: ${sample.ok ? JSON.stringify(sample.value) : sample.error}`);
    first.set(name, [sample]);
    if (SLOPED.has(name)) {
      options.log(`idle ${name} slope: ${sloped.ok ? JSON.stringify(sloped.value) : sloped.error}`);
      slope.set(name, [sloped]);
    }
    await pause(SETTLE_MS);
  }
  options.log(`idle: the floor, ${IDLE_STREAMS} then ${SLOPE_STREAMS} streams`);
  const floor = await attempt(() => tunnelEndsFloor([IDLE_STREAMS, SLOPE_STREAMS]));
  const floorStep = (i: number): Attempt<IdleStreamSample> =>
    floor.ok
      ? {
        ok: true,
        value: {
          serverKiB: floor.value[i].serverKiB,
          clientKiB: floor.value[i].clientKiB,
          totalKiB: floor.value[i].serverKiB + floor.value[i].clientKiB,
        },
      }
      : floor;
  first.set("floor", [floorStep(0)]);
  slope.set("floor", [floorStep(1)]);
  options.log(`idle floor: ${floor.ok ? JSON.stringify(floor.value) : floor.error}`);

  const work = `${IDLE_STREAMS} idle streams (one echoed byte each)`;
  const slopeWork = `idle streams ${IDLE_STREAMS} -> ${SLOPE_STREAMS} (slope)`;
  const goal = `goal <= ${GOAL_KIB}`;
  const kib = { unit: "KiB", better: "lower" as const };
  const total = (s: IdleStreamSample) => s.totalKiB;
  const server = (s: IdleStreamSample) => s.serverKiB;
  const client = (s: IdleStreamSample) => s.clientKiB;
  return [
    ...compareRows(first, [["ours-tls", "ssh"], ["ours-plain", "ssh"], [
      "ours-tls",
      "forwarder",
    ]], { ...kib, work: `${work}, server + client VmRSS KiB per stream`, value: total }),
    ...compareRows(first, [["ours-tls", "ssh"]], {
      ...kib,
      work: `${work}, server VmRSS KiB per stream`,
      value: server,
    }),
    ...compareRows(first, [["ours-tls", "ssh"]], {
      ...kib,
      work: `${work}, client VmRSS KiB per stream`,
      value: client,
    }),
    ...compareRows(first, [["ours-tls", "floor"], ["ours-plain", "floor"]], {
      ...kib,
      work: `${work}, server + client VmRSS KiB per stream, ${goal}`,
      value: total,
    }),
    ...compareRows(slope, [["ours-tls", "floor"], ["ours-plain", "floor"]], {
      ...kib,
      work: `${slopeWork}, server + client VmRSS KiB per stream, ${goal}`,
      value: total,
    }),
    ...compareRows(slope, [["ours-tls", "floor"]], {
      ...kib,
      work: `${slopeWork}, server VmRSS KiB per stream`,
      value: server,
    }),
    ...compareRows(slope, [["ours-tls", "floor"]], {
      ...kib,
      work: `${slopeWork}, client VmRSS KiB per stream`,
      value: client,
    }),
  ];
}

/** VmRSS (MiB) of a side's server end and client end. */
async function endsMemory(fleet: Fleet, name: SideName): Promise<[number, number]> {
  const side = fleet.sides.get(name)!;
  return [
    (await memoryOf(side.watched, "server")).rssMiB,
    (await memoryOf(side.watched, "client")).rssMiB,
  ];
}

/** KiB per stream at each end between two readings `count` streams apart. */
function perStream(
  before: [number, number],
  after: [number, number],
  count: number,
): IdleStreamSample {
  const serverKiB = (after[0] - before[0]) * 1024 / count;
  const clientKiB = (after[1] - before[1]) * 1024 / count;
  return { serverKiB, clientKiB, totalKiB: serverKiB + clientKiB };
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
