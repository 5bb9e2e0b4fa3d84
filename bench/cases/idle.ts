/**
 * Case `idle`: what each idle connection costs in resident memory. N connections (from
 * `BENCH_IDLE_CONNECTIONS`, default 2000) are opened to one listener at a time and held; VmRSS
 * of the server before, with them open, just after they close and 5 s later gives KiB per
 * connection and what is kept after. Kinds: TCP forwarding (ours' `[[stream.server]]` vs
 * HAProxy `mode tcp` and nginx `stream`; connected, no bytes), reverse proxy (ours'
 * `[[http.server]]` vs nginx `proxy_pass`; one request, then idle keep-alive), and ours' forward
 * proxy (one absolute-form GET then idle keep-alive; a CONNECT tunnel idle both ways).
 * @module
 */

import type { Attempt } from "../lib/attempt.ts";
import { parseIdleCount } from "../lib/idle_clients.ts";
import { stopProcess } from "../lib/process.ts";
import type { BenchCase, CaseOptions, Row, Tool } from "../lib/types.ts";
import { type Fleet, startFleet } from "./idle/fleet.ts";
import { type IdleKind, type IdleSample, measureIdle } from "./idle/measure.ts";
import { idleRows } from "./idle/rows.ts";

const TOOLS: readonly Tool[] = [
  { command: "nginx", versionArgs: ["-v"] },
  { command: "haproxy", versionArgs: ["-v"] },
];

const NO_FORWARD_PEER: Attempt<IdleSample> = {
  ok: false,
  error: "no forward-proxy peer in this case (squid and tinyproxy are measured in http-proxy)",
};

/** The `idle` case. */
export const IDLE_CASE: BenchCase = {
  name: "idle",
  description: "Idle connections: VmRSS per connection, ours vs HAProxy mode tcp and nginx " +
    "stream (TCP), nginx proxy_pass (reverse, keep-alive); ours' forward proxy keep-alive " +
    "and CONNECT",
  tools: TOOLS,
  run: runIdleCase,
};

async function runIdleCase(options: CaseOptions): Promise<Row[]> {
  const count = parseIdleCount(Deno.env.get("BENCH_IDLE_CONNECTIONS"));
  const dir = await Deno.makeTempDir({ prefix: "wmproxy-bench-idle-" });
  let fleet: Fleet | undefined;
  try {
    fleet = await startFleet(dir, options);
    return await measureAll(fleet, count, options);
  } finally {
    for (const process of fleet?.started.toReversed() ?? []) await stopProcess(process);
    await Deno.remove(dir, { recursive: true });
  }
}

async function measureAll(fleet: Fleet, count: number, options: CaseOptions): Promise<Row[]> {
  const { ports } = fleet;
  const origin = `127.0.0.1:${ports.origin}`;
  const get = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  const stream = (port: number): IdleKind => ({ port, countAtOrigin: ports.origin });
  async function measure(name: string, process: Fleet["oursStream"], kind: IdleKind) {
    options.log(`${name}: ${count} idle connections`);
    const sample = await measureIdle(process, kind, count);
    options.log(`${name}: ${sample.ok ? JSON.stringify(sample.value) : sample.error}`);
    return sample;
  }
  const haproxy = await measure("haproxy", fleet.haproxy, stream(ports.haproxy));
  const nginxStream = await measure("nginx stream", fleet.nginxStream, stream(ports.nginxStream));
  const oursStream = await measure("ours stream", fleet.oursStream, stream(ports.oursStream));
  const nginxReverse = await measure("nginx reverse", fleet.nginxReverse, {
    port: ports.nginxReverse,
    request: get,
  });
  const oursReverse = await measure("ours reverse", fleet.oursReverse, {
    port: ports.oursReverse,
    request: get,
  });
  const oursForward = await measure("ours forward", fleet.oursForward, {
    port: ports.oursForward,
    request: `GET http://${origin}/ HTTP/1.1\r\nHost: ${origin}\r\n\r\n`,
  });
  const oursConnect = await measure("ours CONNECT", fleet.oursConnect, {
    port: ports.oursConnect,
    request: `CONNECT ${origin} HTTP/1.1\r\nHost: ${origin}\r\n\r\n`,
  });
  const tcp = "stream tcp (connected, no bytes)";
  return [
    ...idleRows({
      kind: tcp,
      peerName: "haproxy (mode tcp, nbthread 1)",
      peer: haproxy,
      ours: oursStream,
    }),
    ...idleRows({
      kind: tcp,
      peerName: "nginx stream (1 worker)",
      peer: nginxStream,
      ours: oursStream,
    }),
    ...idleRows({
      kind: "reverse proxy (one GET, then idle keep-alive)",
      peerName: "nginx proxy_pass (1 worker)",
      peer: nginxReverse,
      ours: oursReverse,
    }),
    ...idleRows({
      kind: "forward proxy (one absolute-form GET, then idle keep-alive)",
      peerName: "none",
      peer: NO_FORWARD_PEER,
      ours: oursForward,
    }),
    ...idleRows({
      kind: "forward proxy CONNECT tunnel (idle both ways)",
      peerName: "none",
      peer: NO_FORWARD_PEER,
      ours: oursConnect,
    }),
  ];
}
