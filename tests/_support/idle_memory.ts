/**
 * Measuring what idle connections cost a spawned `main.ts`: its VmRSS, many connections opened
 * a batch at a time, and the KiB each added. The bounds the idle-memory tests check are
 * correctness bounds (a 64 KiB buffer or more held per idle connection fails them), not
 * benchmarks. `WMPROXY_IDLE_REPORT=1` prints each measured figure.
 * @module
 */
import assert from "node:assert/strict";
import { rssKib } from "./idle.ts";

export { rssKib, smallEcho } from "./idle.ts";

/** Connections opened at the same time (keeps the listen backlog from overflowing). */
const BATCH = 64;

/** Opens `count` connections with `open` (which also makes each one idle), 64 at a time. */
export async function openMany<T>(count: number, open: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  while (out.length < count) {
    const batch = Math.min(BATCH, count - out.length);
    out.push(...await Promise.all(Array.from({ length: batch }, open)));
  }
  return out;
}

/** What {@link idleCost} measured. */
export interface IdleCost {
  /** VmRSS before the idle connections opened (after the warm-up), KiB. */
  readonly before: number;
  /** VmRSS with them open, KiB. */
  readonly open: number;
  /** (open − before) / count. */
  readonly perConnection: number;
}

/**
 * VmRSS of `pid` before and after `open` made `count` idle connections: KiB per connection.
 * `label` names the kind in the report line.
 */
export async function idleCost(
  label: string,
  pid: number,
  count: number,
  open: () => Promise<unknown>,
): Promise<IdleCost> {
  const before = rssKib(pid);
  await open();
  const after = rssKib(pid);
  const perConnection = (after - before) / count;
  if (Deno.env.get("WMPROXY_IDLE_REPORT")) {
    console.log(
      `[idle] ${label}: ${
        perConnection.toFixed(1)
      } KiB/conn (N=${count}, ${before} -> ${after} KiB)`,
    );
  }
  return { before, open: after, perConnection };
}

/** Asserts `cost` stays under `maxKiB` per connection, with the figures in the message. */
export function assertUnder(cost: IdleCost, maxKiB: number, count: number): void {
  assert.ok(
    cost.perConnection < maxKiB,
    `${cost.perConnection.toFixed(1)} KiB RSS per idle connection, bound ${maxKiB} ` +
      `(before ${cost.before} KiB, with ${count} open ${cost.open} KiB)`,
  );
}
