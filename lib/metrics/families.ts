/**
 * The metric families the engines count into: one registry per isolate (each worker has its
 * own; the main isolate sums their snapshots on a scrape). Engines hold the children they bump
 * (a {@link ListenerMetrics} per listener) so a count is one property write.
 * @module
 */
import { type Counter, type Histogram, Registry } from "./registry.ts";

/** Seconds: request durations and upstream response times (5 ms to 30 s). */
export const DURATION_BUCKETS: readonly number[] = [
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  30,
];

/** This isolate's registry. */
export const REGISTRY: Registry = new Registry();

const RECEIVED = REGISTRY.counter(
  "wmproxy_listener_received_bytes_total",
  "Bytes read from the clients of a TCP listener",
  ["listener"],
);
const SENT = REGISTRY.counter(
  "wmproxy_listener_sent_bytes_total",
  "Bytes written to the clients of a TCP listener",
  ["listener"],
);
const REFUSED = REGISTRY.counter(
  "wmproxy_listener_connections_refused_total",
  "Client connections (reverse proxy: requests) turned away, by reason: access (allow_ip/deny_ip), proxy_header (PROXY header missing, malformed or late), max_connections",
  ["listener", "reason"],
);
const REQUESTS = REGISTRY.histogram(
  "wmproxy_http_request_duration_seconds",
  "HTTP requests answered, by listener, proxy kind, method and status class, and how long each took",
  ["listener", "proxy", "method", "status"],
  DURATION_BUCKETS,
);
const LIMITED = REGISTRY.counter(
  "wmproxy_limit_req_rejected_total",
  "Requests refused with 503 by limit_req, by listener and zone",
  ["listener", "zone"],
);
const UPSTREAM_RESPONSE = REGISTRY.histogram(
  "wmproxy_upstream_response_seconds",
  "Time from sending a request to an upstream server to its response head",
  ["upstream", "server"],
  DURATION_BUCKETS,
);
const CONNECT_FAILURES = REGISTRY.counter(
  "wmproxy_upstream_connect_failures_total",
  "Connects to an upstream server that failed or timed out",
  ["upstream", "server"],
);

const METHODS = new Set([
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "DELETE",
  "CONNECT",
  "OPTIONS",
  "TRACE",
  "PATCH",
]);
const CLASSES = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/**
 * Why a client was turned away: `access` (allow_ip/deny_ip), `proxy_header` (its PROXY header
 * was missing, malformed or late), `max_connections` (a listener that cannot pause accepting).
 */
export type RefuseReason = "access" | "proxy_header" | "max_connections";

/** One listener's counters, labelled with its config name (`http.server[0]`). */
export class ListenerMetrics {
  /** The `listener` label. */
  readonly name: string;
  /** Bytes read from clients. */
  readonly received: Counter;
  /** Bytes written to clients. */
  readonly sent: Counter;
  readonly #refused = new Map<RefuseReason, Counter>();
  readonly #requests = new Map<string, Histogram>();

  constructor(name: string) {
    this.name = name;
    this.received = RECEIVED.labels(name);
    this.sent = SENT.labels(name);
  }

  /** One HTTP request answered with `status` after `seconds`. */
  request(proxy: "reverse" | "forward", method: string, status: number, seconds: number): void {
    const m = METHODS.has(method) ? method : "other";
    const cls = CLASSES[Math.floor(status / 100) - 1] ?? "other";
    const key = `${proxy} ${m} ${cls}`;
    let h = this.#requests.get(key);
    if (h === undefined) {
      h = REQUESTS.labels(this.name, proxy, m, cls);
      this.#requests.set(key, h);
    }
    h.observe(seconds);
  }

  /** One client connection (or request) turned away for `reason`. */
  refuse(reason: RefuseReason): void {
    let c = this.#refused.get(reason);
    if (c === undefined) {
      c = REFUSED.labels(this.name, reason);
      this.#refused.set(reason, c);
    }
    c.value++;
  }

  /** One request refused by `limit_req` zone `zone`. */
  limited(zone: string): void {
    LIMITED.labels(this.name, zone).inc();
  }
}

const byName = new Map<string, ListenerMetrics>();

/** The counters of listener `name` (the same object for the same name, across reloads). */
export function listenerMetrics(name: string): ListenerMetrics {
  let m = byName.get(name);
  if (m === undefined) {
    m = new ListenerMetrics(name);
    byName.set(name, m);
  }
  return m;
}

/** One upstream response head after `seconds`. */
export function upstreamResponded(upstream: string, server: string, seconds: number): void {
  UPSTREAM_RESPONSE.labels(upstream, server).observe(seconds);
}

/** One failed connect to an upstream server. */
export function upstreamConnectFailed(upstream: string, server: string): void {
  CONNECT_FAILURES.labels(upstream, server).inc();
}
