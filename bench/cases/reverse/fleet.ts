/**
 * The processes of the `reverse` case: two nginx origins, nginx and wmproxy as reverse
 * proxies, each with one listener in front of the first origin and one balancing over both, and
 * the floor: a minimal Deno TCP relay in front of the first origin; and a second wmproxy with
 * `workers = 2` and the same two listeners (its control endpoint on, for the connections per
 * worker). Each counts as started once
 * a GET through each of its listeners came back 200.
 * @module
 */

import type { Attempt } from "../../lib/attempt.ts";
import { createLauncher } from "../../lib/launch.ts";
import { freePorts } from "../../lib/ports.ts";
import { type ManagedProcess, stopProcess } from "../../lib/process.ts";
import { probeHttp } from "../../lib/proxy_probe.ts";
import type { CaseOptions } from "../../lib/types.ts";
import { startDenoRelay } from "../../servers/deno_relay.ts";
import { startNginx } from "../../servers/nginx.ts";
import { type ReverseRoute, startNginxReverse } from "../../servers/nginx_reverse.ts";
import { startWmproxyReverse } from "../../servers/wmproxy.ts";
import { WORKERS } from "../../lib/workers_rows.ts";
import { BODIES, BODY_1K } from "./names.ts";

/** A proxy's listening ports. */
export interface ProxyPorts {
  /** In front of origin A alone. */
  single: number;
  /** Round robin over origins A and B. */
  pair: number;
}

/** Every process of the case; one that failed to start holds its reason instead. */
export interface Fleet {
  /** Origin A. */
  originA: Attempt<ManagedProcess>;
  /** Origin B (only the two-server listeners use it). */
  originB: Attempt<ManagedProcess>;
  /** The peer. */
  nginx: Attempt<ManagedProcess>;
  /** Ours. */
  ours: Attempt<ManagedProcess>;
  /** Ours with `workers = 2`. */
  oursWorkers: Attempt<ManagedProcess>;
  /** The floor: a minimal Deno relay in front of origin A. */
  floor: Attempt<ManagedProcess>;
  /** Origin ports: A, then B. */
  origins: readonly [number, number];
  /** nginx's listening ports. */
  nginxPorts: ProxyPorts;
  /** Our listening ports. */
  oursPorts: ProxyPorts;
  /** The listening ports of ours with `workers = 2`. */
  oursWorkersPorts: ProxyPorts;
  /** The control endpoint of ours with `workers = 2`. */
  oursWorkersControl: number;
  /** The floor relay's listening port (in front of origin A). */
  floorPort: number;
  /** Processes that started, in start order; stop them in reverse. */
  started: ManagedProcess[];
}

/**
 * Starts both origins (with `stub_status`, so upstream connections can be counted), then each
 * proxy and the floor relay, on fresh loopback ports. A process that cannot start (tool missing, bad config, crash,
 * probe refused) is recorded, not thrown.
 * @param dir a private temp directory
 * @param options the case options (available tools, log)
 * @returns the fleet; the caller stops `started` in a `finally`
 */
export async function startFleet(dir: string, options: CaseOptions): Promise<Fleet> {
  const [a, b, nginxSingle, nginxPair, oursSingle, oursPair, floorPort, ...rest] = freePorts(10);
  const [workersSingle, workersPair, workersControl] = rest;
  const oursWorkersPorts = { single: workersSingle, pair: workersPair };
  const origins = [a, b] as const;
  const nginxPorts = { single: nginxSingle, pair: nginxPair };
  const oursPorts = { single: oursSingle, pair: oursPair };
  const { launch, started } = createLauncher(dir, options);
  const originOptions = { bodies: BODIES, stubStatus: true };
  try {
    const originA = await launch({
      name: "origin-a",
      needs: ["nginx"],
      start: (sub) => startNginx(sub, a, originOptions),
    });
    const originB = await launch({
      name: "origin-b",
      needs: ["nginx"],
      start: (sub) => startNginx(sub, b, originOptions),
    });
    return {
      originA,
      originB,
      nginx: await launch({
        name: "nginx-reverse",
        needs: ["nginx", originA, originB],
        start: (sub) => startNginxReverse(sub, routes(nginxPorts, origins), probe(nginxPorts)),
      }),
      ours: await launch({
        name: "wmproxy",
        needs: [originA, originB],
        start: (sub) => startWmproxyReverse(sub, routes(oursPorts, origins), probe(oursPorts)),
      }),
      oursWorkers: await launch({
        name: "wmproxy-workers",
        needs: [originA, originB],
        start: (sub) =>
          startWmproxyReverse(
            sub,
            routes(oursWorkersPorts, origins),
            probe(oursWorkersPorts),
            { workers: WORKERS, controlPort: workersControl },
          ),
      }),
      floor: await launch({
        name: "deno-relay",
        needs: [originA],
        start: () =>
          startDenoRelay(floorPort, a, (signal) => probeHttp(floorPort, BODY_1K.path, signal)),
      }),
      origins,
      nginxPorts,
      oursPorts,
      oursWorkersPorts,
      oursWorkersControl: workersControl,
      floorPort,
      started,
    };
  } catch (error) {
    // Only unexpected failures (e.g. mkdir) get here; do not leak what already runs.
    for (const process of started.toReversed()) await stopProcess(process);
    throw error;
  }
}

/**
 * The two listeners of a proxy: `origin` in front of A, `pair` over A and B.
 * @param ports the proxy's listening ports
 * @param origins origin ports A and B
 * @returns the routes
 */
export function routes(ports: ProxyPorts, origins: readonly [number, number]): ReverseRoute[] {
  return [
    { name: "origin", listenPort: ports.single, upstreamPorts: [origins[0]] },
    { name: "pair", listenPort: ports.pair, upstreamPorts: origins },
  ];
}

function probe(ports: ProxyPorts): (signal: AbortSignal) => Promise<void> {
  return async (signal) => {
    for (const port of [ports.single, ports.pair]) {
      for (const body of BODIES) await probeHttp(port, body.path, signal);
    }
  };
}
