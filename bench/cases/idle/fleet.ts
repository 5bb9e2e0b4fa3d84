/**
 * The processes of the `idle` case: an nginx origin (with `stub_status`, so open upstream
 * connections can be counted), HAProxy (`mode tcp`) and nginx's stream module in front of it,
 * an nginx reverse proxy, and one wmproxy per kind of connection (a `[[stream.server]]`, an
 * `[[http.server]]`, and two `[proxy]`s: keep-alive and CONNECT), all in front of the same
 * origin. A process per kind, so memory one kind leaves behind does not serve the next.
 * @module
 */

import type { Attempt } from "../../lib/attempt.ts";
import { createLauncher } from "../../lib/launch.ts";
import { freePorts } from "../../lib/ports.ts";
import { type ManagedProcess, stopProcess } from "../../lib/process.ts";
import { probeHttp, probeHttpProxy } from "../../lib/proxy_probe.ts";
import type { CaseOptions } from "../../lib/types.ts";
import { startHaproxyTcp } from "../../servers/haproxy.ts";
import { startNginx } from "../../servers/nginx.ts";
import { startNginxReverse } from "../../servers/nginx_reverse.ts";
import { ensureStreamModule } from "../../servers/nginx_stream.ts";
import { startNginxStreamTcp } from "../../servers/nginx_stream_tcp.ts";
import {
  startWmproxyForward,
  startWmproxyReverse,
  startWmproxyStream,
} from "../../servers/wmproxy.ts";

/** Where each listener is. */
export interface IdlePorts {
  /** The nginx origin. */
  origin: number;
  /** HAProxy, mode tcp, to the origin. */
  haproxy: number;
  /** nginx stream, to the origin. */
  nginxStream: number;
  /** nginx proxy_pass, to the origin. */
  nginxReverse: number;
  /** Our `[[stream.server]]`, to the origin. */
  oursStream: number;
  /** Our `[[http.server]]`, location `/` to the origin. */
  oursReverse: number;
  /** Our `[proxy]` for keep-alive GETs. */
  oursForward: number;
  /** Our `[proxy]` for CONNECT tunnels. */
  oursConnect: number;
}

/** Every process of the case; one that failed to start holds its reason instead. */
export interface Fleet {
  /** The origin. */
  origin: Attempt<ManagedProcess>;
  /** Peer for the stream kind. */
  haproxy: Attempt<ManagedProcess>;
  /** Peer for the stream kind. */
  nginxStream: Attempt<ManagedProcess>;
  /** Peer for the reverse kind. */
  nginxReverse: Attempt<ManagedProcess>;
  /** Ours, `[[stream.server]]`. */
  oursStream: Attempt<ManagedProcess>;
  /** Ours, `[[http.server]]`. */
  oursReverse: Attempt<ManagedProcess>;
  /** Ours, `[proxy]` for keep-alive GETs. */
  oursForward: Attempt<ManagedProcess>;
  /** Ours, `[proxy]` for CONNECT tunnels. */
  oursConnect: Attempt<ManagedProcess>;
  /** The ports. */
  ports: IdlePorts;
  /** Processes that started, in start order; stop them in reverse. */
  started: ManagedProcess[];
}

/**
 * Starts every process on fresh loopback ports. A process that cannot start is recorded, not
 * thrown.
 * @param dir a private temp directory
 * @param options the case options (available tools, log)
 * @returns the fleet; the caller stops `started` in a `finally`
 */
export async function startFleet(dir: string, options: CaseOptions): Promise<Fleet> {
  const free = freePorts(8);
  const [origin, haproxy, nginxStream, nginxReverse] = free;
  const [oursStream, oursReverse, oursForward, oursConnect] = free.slice(4);
  const ports = {
    origin,
    haproxy,
    nginxStream,
    nginxReverse,
    oursStream,
    oursReverse,
    oursForward,
    oursConnect,
  };
  const { launch, started } = createLauncher(dir, options);
  try {
    const originProcess = await launch({
      name: "origin",
      needs: ["nginx"],
      start: (sub) => startNginx(sub, origin, { stubStatus: true }),
    });
    const route = (name: string, listenPort: number) => ({
      name,
      listenPort,
      upstreamPort: origin,
    });
    return {
      origin: originProcess,
      haproxy: await launch({
        name: "haproxy",
        needs: ["haproxy", originProcess],
        start: (sub) => startHaproxyTcp(sub, [route("idle", haproxy)]),
      }),
      nginxStream: await launch({
        name: "nginx-stream",
        needs: ["nginx", originProcess],
        start: async (sub) =>
          startNginxStreamTcp(
            sub,
            route("idle", nginxStream),
            await ensureStreamModule(options.log),
          ),
      }),
      nginxReverse: await launch({
        name: "nginx-reverse",
        needs: ["nginx", originProcess],
        start: (sub) =>
          startNginxReverse(
            sub,
            [{ name: "idle", listenPort: nginxReverse, upstreamPorts: [origin] }],
            (signal) => probeHttp(nginxReverse, "/", signal),
          ),
      }),
      oursStream: await launch({
        name: "wmproxy-stream",
        needs: [originProcess],
        start: (sub) => startWmproxyStream(sub, [route("idle", oursStream)]),
      }),
      oursReverse: await launch({
        name: "wmproxy-reverse",
        needs: [originProcess],
        start: (sub) =>
          startWmproxyReverse(
            sub,
            [{ name: "idle", listenPort: oursReverse, upstreamPorts: [origin] }],
            (signal) => probeHttp(oursReverse, "/", signal),
          ),
      }),
      oursForward: await launch({
        name: "wmproxy-forward",
        needs: [originProcess],
        start: (sub) =>
          startWmproxyForward(
            sub,
            oursForward,
            (signal) => probeHttpProxy(oursForward, origin, signal),
          ),
      }),
      oursConnect: await launch({
        name: "wmproxy-connect",
        needs: [originProcess],
        start: (sub) =>
          startWmproxyForward(
            sub,
            oursConnect,
            (signal) => probeHttpProxy(oursConnect, origin, signal),
          ),
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
