/**
 * The processes of the `http-proxy` case: nginx as the origin, and tinyproxy, squid and
 * wmproxy's `[proxy]` as HTTP forward proxies in front of it. Each proxy counts as started once
 * an absolute-form GET through it came back 200.
 * @module
 */

import type { Attempt } from "../../lib/attempt.ts";
import { createLauncher } from "../../lib/launch.ts";
import { freePorts } from "../../lib/ports.ts";
import { type ManagedProcess, stopProcess } from "../../lib/process.ts";
import { probeHttpProxy } from "../../lib/proxy_probe.ts";
import type { CaseOptions } from "../../lib/types.ts";
import { startNginx } from "../../servers/nginx.ts";
import { startSquid } from "../../servers/squid.ts";
import { startTinyproxy } from "../../servers/tinyproxy.ts";
import { startWmproxyForward } from "../../servers/wmproxy.ts";

/** TCP ports of the fleet. */
export interface HttpProxyPorts {
  /** nginx (the origin, and the direct target). */
  origin: number;
  /** tinyproxy's listening port. */
  tinyproxy: number;
  /** squid's listening port. */
  squid: number;
  /** Our listening port. */
  ours: number;
}

/** Every process of the case; one that failed to start holds its reason instead. */
export interface Fleet {
  /** The origin. */
  nginx: Attempt<ManagedProcess>;
  /** A peer. */
  tinyproxy: Attempt<ManagedProcess>;
  /** A peer. */
  squid: Attempt<ManagedProcess>;
  /** Ours. */
  ours: Attempt<ManagedProcess>;
  /** Where each listens. */
  ports: HttpProxyPorts;
  /** Processes that started, in start order; stop them in reverse. */
  started: ManagedProcess[];
}

/**
 * Starts nginx, then each proxy in front of it, on fresh loopback ports. A process that cannot
 * start (tool missing, bad config, crash, probe refused) is recorded, not thrown.
 * @param dir a private temp directory
 * @param options the case options (available tools, log)
 * @returns the fleet; the caller stops `started` in a `finally`
 */
export async function startFleet(dir: string, options: CaseOptions): Promise<Fleet> {
  const [origin, tinyproxy, squid, ours] = freePorts(4);
  const ports = { origin, tinyproxy, squid, ours };
  const { launch, started } = createLauncher(dir, options);
  function probe(port: number): (signal: AbortSignal) => Promise<void> {
    return (signal) => probeHttpProxy(port, origin, signal);
  }
  try {
    const nginx = await launch({
      name: "nginx",
      needs: ["nginx"],
      start: (sub) => startNginx(sub, origin),
    });
    return {
      nginx,
      tinyproxy: await launch({
        name: "tinyproxy",
        needs: ["tinyproxy", nginx],
        start: (sub) => startTinyproxy(sub, { listenPort: tinyproxy, probe: probe(tinyproxy) }),
      }),
      squid: await launch({
        name: "squid",
        needs: ["squid", nginx],
        start: (sub) => startSquid(sub, { listenPort: squid, probe: probe(squid) }),
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
