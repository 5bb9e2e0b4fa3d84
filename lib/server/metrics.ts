/**
 * `/metrics`: what the instance's `/status` already knows (listeners, upstream health, UDP
 * sessions, tunnels) as gauges and counters, with the counters and histograms the engines keep
 * in each isolate's registry (lib/metrics/families.ts), summed over the workers.
 * @module
 */
import {
  type FamilySnapshot,
  mergeSnapshots,
  type MetricType,
  renderLabels,
  type SeriesSnapshot,
} from "../metrics/registry.ts";
import { renderExposition } from "../metrics/exposition.ts";

/** What the main isolate knows besides `/status`. */
export interface InstanceFacts {
  /** The running generation. */
  readonly generation: number;
  /** Reloads applied since start. */
  readonly reloadsOk: number;
  /** Reloads refused (invalid file) or rolled back (bind failure). */
  readonly reloadsFailed: number;
  /** Seconds since start. */
  readonly uptimeSeconds: number;
  /** Worker isolates (1 without workers). */
  readonly workers: number;
}

type Report = Record<string, unknown>;

/**
 * The exposition text of one scrape.
 * @param status the body of `/status` (with workers, already merged over them)
 * @param registries the registry snapshot of every isolate (main first)
 * @param facts generation, reloads, workers
 */
export function renderMetrics(
  status: Report,
  registries: readonly (readonly FamilySnapshot[])[],
  facts: InstanceFacts,
): string {
  return renderExposition([...statusFamilies(status, facts), ...mergeSnapshots(registries)]);
}

/** The families `/status` and the instance's own facts give. */
export function statusFamilies(status: Report, facts: InstanceFacts): FamilySnapshot[] {
  const accepted: SeriesSnapshot[] = [];
  const open: SeriesSnapshot[] = [];
  const limitHits: SeriesSnapshot[] = [];
  const up: SeriesSnapshot[] = [];
  const udpSessions: SeriesSnapshot[] = [];
  const udpOpen: SeriesSnapshot[] = [];
  const udpEvicted: SeriesSnapshot[] = [];
  for (const l of (status.listeners ?? []) as Report[]) {
    const name = String(l.name);
    const one = renderLabels(["listener", "kind", "address"], [
      name,
      String(l.kind),
      String(l.address),
    ]);
    accepted.push({ labels: one, values: [num(l.accepted)] });
    open.push({ labels: one, values: [num(l.open)] });
    if (typeof l.limit_hits === "number") {
      limitHits.push({ labels: renderLabels(["listener"], [name]), values: [l.limit_hits] });
    }
    upstreamHealth(name, l, up);
    const udp = l.udp as Report | undefined;
    if (udp) {
      const labels = renderLabels(["listener"], [name]);
      udpSessions.push({ labels, values: [num(udp.sessions)] });
      udpOpen.push({ labels, values: [num(l.open)] });
      udpEvicted.push({ labels, values: [num(udp.evicted)] });
    }
  }
  const tunnel = tunnelSeries(status.tunnel as Report | undefined);
  const rss = Deno.memoryUsage().rss;
  return [
    family(
      "wmproxy_listener_connections_accepted_total",
      "Client connections (UDP: sessions) a listener has accepted since it was bound",
      "counter",
      accepted,
    ),
    family(
      "wmproxy_listener_connections_open",
      "Client connections (UDP: sessions) open now",
      "gauge",
      open,
    ),
    family(
      "wmproxy_listener_max_connections_reached_total",
      "Times a TCP listener reached max_connections and paused accepting",
      "counter",
      limitHits,
    ),
    family(
      "wmproxy_upstream_server_up",
      "Whether an upstream server may get connections (1) or is marked down (0)",
      "gauge",
      up,
    ),
    family("wmproxy_udp_sessions_total", "UDP sessions started", "counter", udpSessions),
    family("wmproxy_udp_sessions_open", "UDP sessions open now", "gauge", udpOpen),
    family(
      "wmproxy_udp_sessions_evicted_total",
      "UDP sessions ended early to make room (max_sessions)",
      "counter",
      udpEvicted,
    ),
    family("wmproxy_tunnel_sessions", "Tunnel sessions connected now", "gauge", tunnel.sessions),
    family("wmproxy_tunnel_streams", "Tunnel streams open now", "gauge", tunnel.streams),
    family("wmproxy_reloads_total", "Reloads, by result", "counter", [
      { labels: 'result="ok"', values: [facts.reloadsOk] },
      { labels: 'result="failed"', values: [facts.reloadsFailed] },
    ]),
    family("wmproxy_config_generation", "The running config generation", "gauge", [
      { labels: "", values: [facts.generation] },
    ]),
    family("wmproxy_workers", "Worker isolates serving the spread listeners", "gauge", [
      { labels: "", values: [facts.workers] },
    ]),
    family("wmproxy_uptime_seconds", "Seconds since the instance started", "gauge", [
      { labels: "", values: [facts.uptimeSeconds] },
    ]),
    family("process_resident_memory_bytes", "Resident memory of the process", "gauge", [
      { labels: "", values: [rss] },
    ]),
  ];
}

/** Reverse listeners: `upstream.{name}.{addr}.up`; stream ones: `upstream.{addr}.up`. */
function upstreamHealth(listener: string, l: Report, out: SeriesSnapshot[]): void {
  const upstream = l.upstream as Report | undefined;
  if (!upstream || typeof upstream !== "object") return;
  const names = ["listener", "upstream", "server"];
  const push = (group: string, addr: string, s: Report) => {
    if (typeof s?.up !== "boolean") return;
    out.push({ labels: renderLabels(names, [listener, group, addr]), values: [s.up ? 1 : 0] });
  };
  if (typeof l.up_name === "string") {
    for (const [addr, s] of Object.entries(upstream)) push(l.up_name, addr, s as Report);
    return;
  }
  for (const [group, servers] of Object.entries(upstream)) {
    for (const [addr, s] of Object.entries((servers ?? {}) as Report)) {
      push(group, addr, s as Report);
    }
  }
}

function tunnelSeries(t: Report | undefined): {
  sessions: SeriesSnapshot[];
  streams: SeriesSnapshot[];
} {
  if (!t) return { sessions: [], streams: [] };
  const mode = String(t.mode);
  const labels = renderLabels(["mode"], [mode]);
  let sessions = 0;
  let streams = 0;
  if (mode === "server") {
    for (const s of (t.sessions ?? []) as Report[]) {
      sessions++;
      streams += num(s.streams);
    }
  } else {
    for (const s of (t.servers ?? []) as Report[]) {
      if (s.state === "connected") sessions++;
      streams += num(s.streams);
    }
  }
  return {
    sessions: [{ labels, values: [sessions] }],
    streams: [{ labels, values: [streams] }],
  };
}

function family(
  name: string,
  help: string,
  type: MetricType,
  series: SeriesSnapshot[],
): FamilySnapshot {
  return { name, help, type, series };
}

function num(v: unknown): number {
  return typeof v === "number" ? v : 0;
}
