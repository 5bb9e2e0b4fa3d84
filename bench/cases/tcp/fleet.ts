/**
 * The processes of the `tcp` case: nginx and an iperf3 server as upstreams, HAProxy and
 * wmproxy each forwarding one port to each upstream, and a second wmproxy with `workers = 2`
 * forwarding one port to nginx (its control endpoint on, for the connections per worker).
 * @module
 */

import { type Attempt, attempt } from "../../lib/attempt.ts";
import { freePorts } from "../../lib/ports.ts";
import { type ManagedProcess, stopProcess } from "../../lib/process.ts";
import type { CaseOptions } from "../../lib/types.ts";
import { startHaproxyTcp } from "../../servers/haproxy.ts";
import { startIperf3Server } from "../../servers/iperf3_server.ts";
import { startNginx } from "../../servers/nginx.ts";
import type { TcpRoute } from "../../servers/tcp_route.ts";
import { startWmproxyStream } from "../../servers/wmproxy.ts";
import { WORKERS } from "../../lib/workers_rows.ts";

/** Ports a forwarder listens on: one in front of nginx, one in front of iperf3. */
export interface ForwarderPorts {
  /** Forwards to nginx. */
  http: number;
  /** Forwards to the iperf3 server. */
  iperf3: number;
}

/** Every process of the case; one that failed to start holds its reason instead. */
export interface Fleet {
  /** The HTTP upstream. */
  nginx: Attempt<ManagedProcess>;
  /** The bulk-throughput upstream. */
  iperf3: Attempt<ManagedProcess>;
  /** The peer. */
  haproxy: Attempt<ManagedProcess>;
  /** Ours. */
  ours: Attempt<ManagedProcess>;
  /** Ours with `workers = 2`, in front of nginx only. */
  oursWorkers: Attempt<ManagedProcess>;
  /** Upstream ports (direct targets). */
  upstream: ForwarderPorts;
  /** HAProxy's listening ports. */
  haproxyPorts: ForwarderPorts;
  /** Our listening ports. */
  oursPorts: ForwarderPorts;
  /** Where ours with `workers = 2` listens (forwards to nginx). */
  oursWorkersPort: number;
  /** The control endpoint of ours with `workers = 2`. */
  oursWorkersControl: number;
  /** Processes that started, in start order; stop them in reverse. */
  started: ManagedProcess[];
}

/**
 * Starts every process on fresh loopback ports, each in its own subdirectory of `dir`. A
 * process that cannot start (tool missing, bad config, crash) is recorded, not thrown.
 * @param dir a private temp directory
 * @param options the case options (available tools, log)
 * @returns the fleet; the caller stops `started` in a `finally`
 */
export async function startFleet(dir: string, options: CaseOptions): Promise<Fleet> {
  const [nginx, iperf3, haHttp, haIperf3, oursHttp, oursIperf3, workersHttp, workersControl] =
    freePorts(8);
  const upstream = { http: nginx, iperf3 };
  const haproxyPorts = { http: haHttp, iperf3: haIperf3 };
  const oursPorts = { http: oursHttp, iperf3: oursIperf3 };
  const started: ManagedProcess[] = [];
  async function launch(
    name: string,
    tool: string | undefined,
    start: (subdir: string) => Promise<ManagedProcess>,
  ): Promise<Attempt<ManagedProcess>> {
    if (tool !== undefined && !options.available.has(tool)) {
      return { ok: false, error: `${tool} is not installed` };
    }
    options.log(`starting ${name}`);
    const subdir = `${dir}/${name}`;
    await Deno.mkdir(subdir);
    const result = await attempt(() => start(subdir));
    if (result.ok) started.push(result.value);
    else options.log(`${name} failed: ${result.error}`);
    return result;
  }
  try {
    return {
      nginx: await launch("nginx", "nginx", (sub) => startNginx(sub, nginx)),
      iperf3: await launch("iperf3", "iperf3", () => startIperf3Server(iperf3)),
      haproxy: await launch(
        "haproxy",
        "haproxy",
        (sub) => startHaproxyTcp(sub, routes(haproxyPorts, upstream)),
      ),
      ours: await launch(
        "wmproxy",
        undefined,
        (sub) => startWmproxyStream(sub, routes(oursPorts, upstream)),
      ),
      oursWorkers: await launch(
        "wmproxy-workers",
        undefined,
        (sub) =>
          startWmproxyStream(
            sub,
            [{ name: "http", listenPort: workersHttp, upstreamPort: nginx }],
            { workers: WORKERS, controlPort: workersControl },
          ),
      ),
      upstream,
      haproxyPorts,
      oursPorts,
      oursWorkersPort: workersHttp,
      oursWorkersControl: workersControl,
      started,
    };
  } catch (error) {
    // Only unexpected failures (e.g. mkdir) get here; do not leak what already runs.
    for (const process of started.toReversed()) await stopProcess(process);
    throw error;
  }
}

function routes(listen: ForwarderPorts, upstream: ForwarderPorts): TcpRoute[] {
  return [
    { name: "http", listenPort: listen.http, upstreamPort: upstream.http },
    { name: "iperf3", listenPort: listen.iperf3, upstreamPort: upstream.iperf3 },
  ];
}
