/**
 * The processes of the `udp` case: a UDP echo server as the upstream, and nginx's stream
 * module, socat and wmproxy each forwarding one port to it.
 * @module
 */

import type { Attempt } from "../../lib/attempt.ts";
import { createLauncher } from "../../lib/launch.ts";
import { freeUdpPorts } from "../../lib/ports.ts";
import { type ManagedProcess, stopProcess } from "../../lib/process.ts";
import type { CaseOptions } from "../../lib/types.ts";
import { ensureStreamModule, startNginxUdp } from "../../servers/nginx_stream.ts";
import { startSocatUdp } from "../../servers/socat.ts";
import { startUdpEcho } from "../../servers/udp_echo.ts";
import { startWmproxyUdp } from "../../servers/wmproxy.ts";

/** UDP ports of the fleet. */
export interface UdpPorts {
  /** The echo server (the direct target). */
  echo: number;
  /** nginx's listening port. */
  nginx: number;
  /** socat's listening port. */
  socat: number;
  /** Our listening port. */
  ours: number;
}

/** Every process of the case; one that failed to start holds its reason instead. */
export interface Fleet {
  /** The upstream. */
  echo: Attempt<ManagedProcess>;
  /** A peer: nginx with the stream module, one worker. */
  nginx: Attempt<ManagedProcess>;
  /** A peer: socat with a child per client. */
  socat: Attempt<ManagedProcess>;
  /** Ours. */
  ours: Attempt<ManagedProcess>;
  /** Where each listens. */
  ports: UdpPorts;
  /** Processes that started, in start order; stop them in reverse. */
  started: ManagedProcess[];
}

/**
 * Starts the echo server, then each forwarder in front of it, on fresh loopback UDP ports.
 * Each forwarder counts as started once a probe came back through it. A process that cannot
 * start (tool or nginx module missing, bad config, crash) is recorded, not thrown.
 * @param dir a private temp directory
 * @param options the case options (available tools, log)
 * @returns the fleet; the caller stops `started` in a `finally`
 */
export async function startFleet(dir: string, options: CaseOptions): Promise<Fleet> {
  const [echo, nginx, socat, ours] = freeUdpPorts(4);
  const ports = { echo, nginx, socat, ours };
  const { launch, started } = createLauncher(dir, options);
  try {
    const echoProcess = await launch({
      name: "echo",
      needs: ["python3"],
      start: () => startUdpEcho(echo),
    });
    return {
      echo: echoProcess,
      nginx: await launch({
        name: "nginx",
        needs: ["nginx", echoProcess],
        start: async (sub) =>
          await startNginxUdp(sub, { listenPort: nginx, upstreamPort: echo }, {
            modulePath: await ensureStreamModule(options.log),
          }),
      }),
      socat: await launch({
        name: "socat",
        needs: ["socat", echoProcess],
        start: () => startSocatUdp({ listenPort: socat, upstreamPort: echo }),
      }),
      ours: await launch({
        name: "wmproxy",
        needs: [echoProcess],
        start: (sub) => startWmproxyUdp(sub, [{ listenPort: ours, upstreamPort: echo }]),
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
