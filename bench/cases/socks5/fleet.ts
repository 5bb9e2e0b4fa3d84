/**
 * The processes of the `socks5` case: nginx as the target (with a large file for throughput),
 * and dante, microsocks and wmproxy's `[proxy]` as SOCKS5 proxies in front of it. Each proxy
 * counts as started once a CONNECT through it carried a 200 back.
 * @module
 */

import type { Attempt } from "../../lib/attempt.ts";
import { createLauncher } from "../../lib/launch.ts";
import { freePorts } from "../../lib/ports.ts";
import { type ManagedProcess, stopProcess } from "../../lib/process.ts";
import { probeSocks5 } from "../../lib/proxy_probe.ts";
import type { CaseOptions } from "../../lib/types.ts";
import { startDante } from "../../servers/dante.ts";
import { startMicrosocks } from "../../servers/microsocks.ts";
import { startNginx } from "../../servers/nginx.ts";
import { startWmproxyForward } from "../../servers/wmproxy.ts";
import { BULK_BYTES } from "./names.ts";

/** TCP ports of the fleet. */
export interface Socks5Ports {
  /** nginx (the CONNECT target, and the direct target). */
  origin: number;
  /** dante's listening port. */
  dante: number;
  /** microsocks's listening port. */
  microsocks: number;
  /** Our listening port. */
  ours: number;
}

/** Every process of the case; one that failed to start holds its reason instead. */
export interface Fleet {
  /** The target. */
  nginx: Attempt<ManagedProcess>;
  /** A peer: a main process and pools of child processes. */
  dante: Attempt<ManagedProcess>;
  /** A peer: one process, a thread per client. */
  microsocks: Attempt<ManagedProcess>;
  /** Ours. */
  ours: Attempt<ManagedProcess>;
  /** Where each listens. */
  ports: Socks5Ports;
  /** Processes that started, in start order; stop them in reverse. */
  started: ManagedProcess[];
}

/**
 * Starts nginx, then each proxy in front of it, on fresh loopback ports. A process that cannot
 * start (tool missing, bad config, crash, probe refused) is recorded, not thrown; warnings and
 * errors dante logs while starting go to the log.
 * @param dir a private temp directory
 * @param options the case options (available tools, log)
 * @returns the fleet; the caller stops `started` in a `finally`
 */
export async function startFleet(dir: string, options: CaseOptions): Promise<Fleet> {
  const [origin, dante, microsocks, ours] = freePorts(4);
  const ports = { origin, dante, microsocks, ours };
  const { launch, started } = createLauncher(dir, options);
  function probe(port: number): (signal: AbortSignal) => Promise<void> {
    return (signal) => probeSocks5(port, origin, signal);
  }
  try {
    const nginx = await launch({
      name: "nginx",
      needs: ["nginx"],
      start: (sub) => startNginx(sub, origin, { bulkBytes: BULK_BYTES }),
    });
    return {
      nginx,
      dante: await launch({
        name: "dante",
        needs: ["danted", nginx],
        start: (sub) =>
          startDante(sub, {
            listenPort: dante,
            probe: probe(dante),
            onProblem: (line) => options.log(`dante logged: ${line}`),
          }),
      }),
      microsocks: await launch({
        name: "microsocks",
        needs: ["microsocks", nginx],
        start: () => startMicrosocks({ listenPort: microsocks, probe: probe(microsocks) }),
      }),
      ours: await launch({
        name: "wmproxy",
        needs: [nginx],
        start: (sub) => startWmproxyForward(sub, ours, probe(ours)),
      }),
      ports,
      started,
    };
  } catch (error) {
    // Only unexpected failures (e.g. mkdir) get here; do not leak what already runs.
    for (const process of started.toReversed()) await stopProcess(process);
    throw error;
  }
}
