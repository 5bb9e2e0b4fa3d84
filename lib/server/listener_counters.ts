/**
 * The listener families of one isolate's `/metrics` (accepted and open connections, limit hits,
 * upstream health, UDP sessions and bytes), read from the listeners' reports. A listener that a
 * reload rebuilds or removes hands its final counts to the ones carried over, so a counter of
 * the same labels only goes up while the process lives.
 * @module
 */
import { familyOf, type FamilySnapshot, renderLabels } from "../metrics/registry.ts";
import type { Listener } from "./listener.ts";

/** A pool listener with the labels it is known by. */
export interface NamedListener {
  /** Its config name, the `listener` label. */
  readonly name: string;
  /** Kind and bind mode, the `kind` label. */
  readonly kind: string;
  readonly listener: Listener;
}

type Report = Record<string, unknown>;

/** Counter families of a listener report: name, help, labels (one of two sets), value. */
const COUNTERS: readonly {
  readonly name: string;
  readonly help: string;
  readonly full: boolean;
  readonly read: (r: Report) => number | undefined;
}[] = [
  {
    name: "wmproxy_listener_connections_accepted_total",
    help: "Client connections (UDP: sessions) a listener has accepted",
    full: true,
    read: (r) => num(r.accepted),
  },
  {
    name: "wmproxy_listener_max_connections_reached_total",
    help: "Times a TCP listener reached max_connections and paused accepting",
    full: false,
    read: (r) => typeof r.limit_hits === "number" ? r.limit_hits : undefined,
  },
  {
    name: "wmproxy_udp_sessions_total",
    help: "UDP sessions started",
    full: false,
    read: (r) => udp(r, "sessions"),
  },
  {
    name: "wmproxy_udp_sessions_evicted_total",
    help: "UDP sessions ended early to make room (max_sessions)",
    full: false,
    read: (r) => udp(r, "evicted"),
  },
  {
    name: "wmproxy_udp_received_bytes_total",
    help: "Bytes of the datagrams a UDP listener received from its clients",
    full: false,
    read: (r) => udp(r, "bytes_in"),
  },
  {
    name: "wmproxy_udp_sent_bytes_total",
    help: "Bytes of the datagrams a UDP listener sent to its clients",
    full: false,
    read: (r) => udp(r, "bytes_out"),
  },
];

interface Labels {
  readonly address: string;
  /** `listener="…",kind="…",address="…"` */
  readonly full: string;
  /** `listener="…"` */
  readonly short: string;
}

/** One isolate's listener families, with what retired listeners counted. */
export class ListenerCounters {
  /** Per counter family: labels to the total of listeners gone. */
  readonly #carried = COUNTERS.map(() => new Map<string, number>());
  /** Retired listeners still draining, with their labels. */
  readonly #draining = new Map<Listener, Labels>();
  readonly #labels = new WeakMap<Listener, Labels>();

  /** `listener` left the pool (rebuilt, removed, stopping): it is still counted while it drains. */
  retire(l: NamedListener): void {
    this.#draining.set(l.listener, this.#labelsOf(l, l.listener.report()));
  }

  /** `listener` has drained: its counts are carried from now on. */
  settle(listener: Listener): void {
    const labels = this.#draining.get(listener);
    if (labels === undefined) return;
    this.#draining.delete(listener);
    const r = listener.report();
    COUNTERS.forEach((c, i) => {
      const v = c.read(r);
      if (v === undefined) return;
      const key = c.full ? labels.full : labels.short;
      const carried = this.#carried[i];
      carried.set(key, (carried.get(key) ?? 0) + v);
    });
  }

  /** The listener families now: `live` (the pool) and draining ones, plus what was carried. */
  families(live: readonly NamedListener[]): FamilySnapshot[] {
    const counters = this.#carried.map((m) => new Map(m));
    const open = new Map<string, number>();
    const udpOpen = new Map<string, number>();
    const up: { labels: string; value: number }[] = [];
    const count = (labels: Labels, r: Report, fresh: boolean) => {
      COUNTERS.forEach((c, i) => {
        const v = c.read(r);
        if (v === undefined) return;
        const key = c.full ? labels.full : labels.short;
        const m = counters[i];
        m.set(key, (m.get(key) ?? 0) + v);
      });
      add(open, labels.full, num(r.open));
      if (r.udp) add(udpOpen, labels.short, num(r.open));
      if (fresh) upstreamHealth(labels.short, r, up);
    };
    for (const l of live) {
      const r = l.listener.report();
      count(this.#labelsOf(l, r), r, true);
    }
    for (const [listener, labels] of this.#draining) count(labels, listener.report(), false);
    return [
      ...COUNTERS.map((c, i) => familyOf(c.name, c.help, "counter", entries(counters[i]))),
      familyOf(
        "wmproxy_listener_connections_open",
        "Client connections (UDP: sessions) open now",
        "gauge",
        entries(open),
      ),
      familyOf(
        "wmproxy_upstream_server_up",
        "Whether an upstream server may get connections (1) or is marked down (0)",
        "gauge",
        up,
        "min",
      ),
      familyOf("wmproxy_udp_sessions_open", "UDP sessions open now", "gauge", entries(udpOpen)),
    ];
  }

  #labelsOf(l: NamedListener, r: Report): Labels {
    const address = String(r.address);
    let labels = this.#labels.get(l.listener);
    if (labels === undefined || labels.address !== address) {
      labels = {
        address,
        full: renderLabels(["listener", "kind", "address"], [l.name, l.kind, address]),
        short: renderLabels(["listener"], [l.name]),
      };
      this.#labels.set(l.listener, labels);
    }
    return labels;
  }
}

/** Reverse listeners: `upstream.{name}.{addr}.up`; stream ones: `upstream.{addr}.up`. */
function upstreamHealth(
  listener: string,
  l: Report,
  out: { labels: string; value: number }[],
): void {
  const upstream = l.upstream as Report | undefined;
  if (!upstream || typeof upstream !== "object") return;
  const prefix = `${listener},`;
  const push = (group: string, addr: string, s: Report) => {
    if (typeof s?.up !== "boolean") return;
    out.push({
      labels: prefix + renderLabels(["upstream", "server"], [group, addr]),
      value: s.up ? 1 : 0,
    });
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

function udp(r: Report, key: string): number | undefined {
  const u = r.udp as Report | undefined;
  return u ? num(u[key]) : undefined;
}

function add(m: Map<string, number>, key: string, v: number): void {
  m.set(key, (m.get(key) ?? 0) + v);
}

function entries(m: Map<string, number>): { labels: string; value: number }[] {
  return Array.from(m, ([labels, value]) => ({ labels, value }));
}

function num(v: unknown): number {
  return typeof v === "number" ? v : 0;
}
