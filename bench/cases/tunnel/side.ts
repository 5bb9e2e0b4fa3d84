/**
 * The sides of the `tunnel` case: a way from the visitor to the origins, the processes it runs
 * on, and how to watch their CPU time and memory.
 * @module
 */

import type { Attempt } from "../../lib/attempt.ts";
import { readCpuSeconds } from "../../lib/cpu.ts";
import { readMemory } from "../../lib/memory.ts";
import type { ManagedProcess } from "../../lib/process.ts";

/** The ways through, as the case names them. */
export type SideName = "direct" | "forwarder" | "ssh" | "ours-tls" | "ours-plain" | "floor";

/** How each side is named in the table. */
export const SIDE_LABELS: Readonly<Record<SideName, string>> = {
  "direct": "no tunnel (direct)",
  "forwarder": "ours [[stream.server]] forwarder",
  "ssh": "ssh -R (OpenSSH, loopback)",
  "ours-tls": "ours tunnel, TLS",
  "ours-plain": "ours tunnel, TLS off",
  "floor": "Deno floor (1 socket + pending 2 KiB read per end)",
};

/** The Host the http mapping serves. */
export const HTTP_MAPPING_HOST = "bench.test";

/** The visitor's ports of one side: one per origin. */
export interface Route {
  /** To nginx (for ours: the tcp mapping on `map_tcp_bind`). */
  http: number;
  /** To the iperf3 server. */
  iperf3: number;
  /** To the echo server. */
  echo: number;
}

/** A process whose CPU time and memory count for a side. */
export interface Watched {
  /** The tunnel's server end (where visitors connect) or its client end (near the origins). */
  role: "server" | "client";
  /** The process. */
  process: Attempt<ManagedProcess>;
  /** Add its children (sshd forks one per connection). @default false */
  children?: boolean;
}

/** One way through. */
export interface Side {
  /** Its name. */
  name: SideName;
  /** Ports per origin. */
  route: Route;
  /** Ours: `map_http_bind`, routed by Host to nginx. */
  httpMapping?: number;
  /** Its processes (none for direct). */
  watched: readonly Watched[];
}

/**
 * CPU seconds of every watched process of a side, added up.
 * @param watched the processes (all must be running)
 * @returns seconds since they started
 */
export async function cpuOf(watched: readonly Watched[]): Promise<number> {
  let total = 0;
  for (const w of watched) {
    if (!w.process.ok) throw new Error(w.process.error);
    total += await readCpuSeconds(w.process.value.pid, { includeChildren: w.children });
  }
  return total;
}

/**
 * VmRSS and VmHWM (MiB) of the watched processes of a side with one role, added up.
 * @param watched the processes
 * @param role which end
 * @returns the sums
 * @throws Error when one is not running
 */
export async function memoryOf(
  watched: readonly Watched[],
  role?: Watched["role"],
): Promise<{ rssMiB: number; hwmMiB: number }> {
  const total = { rssMiB: 0, hwmMiB: 0 };
  for (const w of watched) {
    if (role !== undefined && w.role !== role) continue;
    if (!w.process.ok) throw new Error(w.process.error);
    if (w.process.value.exited.aborted) throw new Error(String(w.process.value.exited.reason));
    const m = await readMemory(w.process.value.pid, { includeChildren: w.children });
    total.rssMiB += m.rssMiB;
    total.hwmMiB += m.hwmMiB;
  }
  return total;
}

/**
 * Why a side cannot be measured: a process of it or an origin it needs is not up.
 * @param side the side
 * @param needs origins (and tools) the load needs
 * @param available installed tools
 * @returns the reason, or undefined when it can run
 */
export function unavailable(
  side: Side,
  needs: readonly (Attempt<unknown> | string)[],
  available: ReadonlySet<string>,
): string | undefined {
  for (const need of [...needs, ...side.watched.map((w) => w.process)]) {
    if (typeof need === "string") {
      if (!available.has(need)) return `${need} is not installed`;
    } else if (!need.ok) {
      return need.error;
    }
  }
  return undefined;
}
