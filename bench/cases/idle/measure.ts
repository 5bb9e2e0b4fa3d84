/**
 * One side's memory around N idle connections: VmRSS before they open, while they are open,
 * just after they close and 5 s later.
 * @module
 */

import { type Attempt, attempt } from "../../lib/attempt.ts";
import { openIdleConnections } from "../../lib/idle_clients.ts";
import { readMemory } from "../../lib/memory.ts";
import type { ManagedProcess } from "../../lib/process.ts";
import { readNginxActive } from "../../servers/nginx.ts";

const WARMUP_CONNECTIONS = 32;
const SETTLE_MS = 500;
const AFTER_CLOSE_MS = 5_000;
const UPSTREAM_TIMEOUT_MS = 30_000;
const POLL_MS = 100;

/** A kind of idle connection: where to connect and what, if anything, to send once. */
export interface IdleKind {
  /** The listener. */
  port: number;
  /** One request, answered in full before the connection counts as idle. */
  request?: string;
  /**
   * The origin's port when the connection is idle from the start (TCP forwarding): it counts
   * as open once the origin's `Active connections` rose by one for it.
   */
  countAtOrigin?: number;
}

/** VmRSS at each step, in MiB, and how many connections were open. */
export interface IdleSample {
  /** Connections held open. */
  count: number;
  /** Before they opened (after a warm-up round). */
  beforeMiB: number;
  /** With all of them open. */
  openMiB: number;
  /** Once they closed (at the origin, for TCP forwarding; 0.5 s later otherwise). */
  closedMiB: number;
  /** 5 s after that. */
  settledMiB: number;
}

/**
 * Measures one process around `count` idle connections of one kind, after a warm-up round of
 * 32 so first-use costs are not counted.
 * @param process the server, as launched
 * @param kind where and how to connect
 * @param count how many connections
 * @returns the sample, or why there is none
 */
export async function measureIdle(
  process: Attempt<ManagedProcess>,
  kind: IdleKind,
  count: number,
): Promise<Attempt<IdleSample>> {
  if (!process.ok) return process;
  const pid = process.value.pid;
  return await attempt(async () => {
    await holdAndClose(kind, WARMUP_CONNECTIONS);
    await pause(SETTLE_MS);
    const beforeMiB = (await readMemory(pid)).rssMiB;
    let openMiB = NaN;
    await holdAndClose(kind, count, async () => {
      await pause(SETTLE_MS);
      openMiB = (await readMemory(pid)).rssMiB;
    });
    if (kind.countAtOrigin === undefined) await pause(SETTLE_MS);
    const closedMiB = (await readMemory(pid)).rssMiB;
    await pause(AFTER_CLOSE_MS);
    const settledMiB = (await readMemory(pid)).rssMiB;
    return { count, beforeMiB, openMiB, closedMiB, settledMiB };
  });
}

async function holdAndClose(
  kind: IdleKind,
  count: number,
  whileOpen?: () => Promise<void>,
): Promise<void> {
  const origin = kind.countAtOrigin;
  const base = origin === undefined ? 0 : await readNginxActive(origin);
  const set = await openIdleConnections(kind.port, count, { request: kind.request });
  try {
    if (origin !== undefined) {
      await until(async () => await readNginxActive(origin) >= base + count, "to open");
    }
    await whileOpen?.();
  } finally {
    set.close();
  }
  if (origin !== undefined) {
    await until(async () => await readNginxActive(origin) <= base, "to close");
  }
}

async function until(done: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + UPSTREAM_TIMEOUT_MS;
  while (!await done()) {
    if (Date.now() > deadline) {
      throw new Error(`upstream connections did not come ${what} within ${UPSTREAM_TIMEOUT_MS} ms`);
    }
    await pause(POLL_MS);
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
