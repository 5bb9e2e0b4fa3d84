/**
 * `/metrics`: each isolate's families (its listeners' counters and gauges, lib/server/
 * listener_counters.ts, and the registry the engines count into, lib/metrics/families.ts),
 * summed over the workers, with the instance's own facts (reloads, generation, tunnels, RSS).
 * @module
 */
import {
  familyOf,
  type FamilySnapshot,
  mergeSnapshots,
  renderLabels,
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
 * @param isolates the families of every isolate (main first), summed per series
 * @param facts generation, reloads, workers
 * @param tunnel the tunnel end's `/status` part, if the instance runs one
 */
export function renderMetrics(
  isolates: readonly (readonly FamilySnapshot[])[],
  facts: InstanceFacts,
  tunnel?: Report,
): string {
  return renderExposition([...mergeSnapshots(isolates), ...instanceFamilies(facts, tunnel)]);
}

/** The families of the instance's own facts and its tunnel end. */
export function instanceFamilies(facts: InstanceFacts, tunnel?: Report): FamilySnapshot[] {
  const t = tunnelSeries(tunnel);
  const one = (value: number) => [{ labels: "", value }];
  return [
    familyOf("wmproxy_tunnel_sessions", "Tunnel sessions connected now", "gauge", t.sessions),
    familyOf("wmproxy_tunnel_streams", "Tunnel streams open now", "gauge", t.streams),
    familyOf("wmproxy_reloads_total", "Reloads, by result", "counter", [
      { labels: 'result="ok"', value: facts.reloadsOk },
      { labels: 'result="failed"', value: facts.reloadsFailed },
    ]),
    familyOf(
      "wmproxy_config_generation",
      "The running config generation",
      "gauge",
      one(facts.generation),
    ),
    familyOf(
      "wmproxy_workers",
      "Worker isolates serving the spread listeners",
      "gauge",
      one(facts.workers),
    ),
    familyOf(
      "wmproxy_uptime_seconds",
      "Seconds since the instance started",
      "gauge",
      one(facts.uptimeSeconds),
    ),
    familyOf(
      "process_resident_memory_bytes",
      "Resident memory of the process",
      "gauge",
      one(Deno.memoryUsage().rss),
    ),
  ];
}

function tunnelSeries(t: Report | undefined): {
  sessions: { labels: string; value: number }[];
  streams: { labels: string; value: number }[];
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
    sessions: [{ labels, value: sessions }],
    streams: [{ labels, value: streams }],
  };
}

function num(v: unknown): number {
  return typeof v === "number" ? v : 0;
}
