/**
 * The processes of the `tunnel` case: three origins (nginx `return 200`, an iperf3 server, a
 * TCP echo), and four ways to reach them: ours as a tunnel with TLS and without (a server and
 * a client process each), `ssh -R` through a private sshd, and ours' plain `[[stream.server]]`
 * forwarder. Each way exposes one loopback port per origin, plus an http mapping for ours.
 * @module
 */

import { type Attempt, errorMessage } from "../../lib/attempt.ts";
import { createLauncher } from "../../lib/launch.ts";
import { freePorts } from "../../lib/ports.ts";
import { type ManagedProcess, stopProcess } from "../../lib/process.ts";
import { probeHttp } from "../../lib/proxy_probe.ts";
import type { CaseOptions } from "../../lib/types.ts";
import { startIperf3Server } from "../../servers/iperf3_server.ts";
import { startNginx } from "../../servers/nginx.ts";
import { startSshd, startSshRemote } from "../../servers/sshd.ts";
import { probeEcho, startTcpEcho } from "../../servers/tcp_echo.ts";
import { startWmproxyStream } from "../../servers/wmproxy.ts";
import {
  startWmproxyTunnelClient,
  startWmproxyTunnelServer,
  tunnelCertificate,
  type TunnelMapping,
} from "../../servers/wmproxy_tunnel.ts";
import { HTTP_MAPPING_HOST, type Route, type Side, type SideName } from "./side.ts";

const RETRY_MS = 50;

/** Every process of the case, and the sides built on them. */
export interface Fleet {
  /** The HTTP origin. */
  nginx: Attempt<ManagedProcess>;
  /** The bulk origin. */
  iperf3: Attempt<ManagedProcess>;
  /** The echo origin (idle streams). */
  echo: Attempt<ManagedProcess>;
  /** Each way through, by name. */
  sides: ReadonlyMap<SideName, Side>;
  /** Processes that started, in start order; stop them in reverse. */
  started: ManagedProcess[];
}

/**
 * Starts every process on fresh loopback ports; one that cannot start is recorded, not thrown.
 * @param dir a private temp directory
 * @param options the case options (available tools, log)
 * @returns the fleet; the caller stops `started` in a `finally`
 */
export async function startFleet(dir: string, options: CaseOptions): Promise<Fleet> {
  const free = freePorts(21);
  const take = (n: number) => free.splice(0, n);
  const [nginxPort, iperf3Port, echoPort] = take(3);
  const origin: Route = { http: nginxPort, iperf3: iperf3Port, echo: echoPort };
  const { launch, started } = createLauncher(dir, options);
  try {
    const nginx = await launch({
      name: "nginx",
      needs: ["nginx"],
      start: (sub) => startNginx(sub, nginxPort),
    });
    const iperf3 = await launch({
      name: "iperf3",
      needs: ["iperf3"],
      start: () => startIperf3Server(iperf3Port),
    });
    const echo = await launch({ name: "echo", start: () => startTcpEcho(echoPort) });
    const origins = [nginx, iperf3, echo];

    const sides = new Map<SideName, Side>();
    sides.set("direct", { name: "direct", route: origin, watched: [] });

    for (const tls of [true, false]) {
      const [tunnel, http, tcp, iperf3Bind, echoBind] = take(5);
      const name: SideName = tls ? "ours-tls" : "ours-plain";
      const server = await launch({
        name: `${name}-server`,
        start: (sub) =>
          startWmproxyTunnelServer(
            sub,
            { tunnel, http, tcp, remoteBinds: [iperf3Bind, echoBind] },
            tls,
          ),
      });
      const mappings: TunnelMapping[] = [
        { name: "nginx", mode: "tcp", localPort: nginxPort },
        { name: "iperf3", mode: "tcp", localPort: iperf3Port, remoteBind: iperf3Bind },
        { name: "echo", mode: "tcp", localPort: echoPort, remoteBind: echoBind },
        { name: "web", mode: "http", localPort: nginxPort, domain: HTTP_MAPPING_HOST },
      ];
      const client = await launch({
        name: `${name}-client`,
        needs: [server, ...origins],
        start: (sub) =>
          startWmproxyTunnelClient(
            sub,
            tunnel,
            mappings,
            tls ? tunnelCertificate(`${dir}/${name}-server`) : undefined,
            (signal) =>
              untilPasses(async () => {
                await probeHttp(tcp, "/", signal);
                await probeHttp(http, "/", signal, HTTP_MAPPING_HOST);
                await probeEcho(echoBind, signal);
              }, signal),
          ),
      });
      sides.set(name, {
        name,
        route: { http: tcp, iperf3: iperf3Bind, echo: echoBind },
        httpMapping: http,
        watched: [
          { role: "server", process: server },
          { role: "client", process: client },
        ],
      });
    }

    const [sshdPort, sshHttp, sshIperf3, sshEcho] = take(4);
    const sshd = await launch({
      name: "sshd",
      needs: ["sshd", "ssh"],
      start: (sub) => startSshd(sub, sshdPort),
    });
    const ssh = await launch({
      name: "ssh",
      needs: [sshd, ...origins],
      start: () =>
        startSshRemote(`${dir}/sshd`, sshdPort, [
          { listenPort: sshHttp, targetPort: nginxPort },
          { listenPort: sshIperf3, targetPort: iperf3Port },
          { listenPort: sshEcho, targetPort: echoPort },
        ], (signal) => untilPasses(() => probeEcho(sshEcho, signal), signal)),
    });
    sides.set("ssh", {
      name: "ssh",
      route: { http: sshHttp, iperf3: sshIperf3, echo: sshEcho },
      watched: [
        { role: "server", process: sshd, children: true },
        { role: "client", process: ssh },
      ],
    });

    const [fwHttp, fwIperf3, fwEcho] = take(3);
    const forwarder = await launch({
      name: "forwarder",
      start: (sub) =>
        startWmproxyStream(sub, [
          { name: "http", listenPort: fwHttp, upstreamPort: nginxPort },
          { name: "iperf3", listenPort: fwIperf3, upstreamPort: iperf3Port },
          { name: "echo", listenPort: fwEcho, upstreamPort: echoPort },
        ]),
    });
    sides.set("forwarder", {
      name: "forwarder",
      route: { http: fwHttp, iperf3: fwIperf3, echo: fwEcho },
      watched: [{ role: "server", process: forwarder }],
    });
    return { nginx, iperf3, echo, sides, started };
  } catch (error) {
    // Only unexpected failures (e.g. mkdir) get here; do not leak what already runs.
    for (const process of started.toReversed()) await stopProcess(process);
    throw error;
  }
}

/**
 * Retries `check` until it passes or `signal` aborts (a tunnel client connects a moment after
 * it starts; until then the server turns visitors away).
 */
async function untilPasses(check: () => Promise<void>, signal: AbortSignal): Promise<void> {
  while (true) {
    try {
      return await check();
    } catch (error) {
      if (signal.aborted) throw new Error(`not ready: ${errorMessage(error)}`);
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
}
