/**
 * Which listener a client connection came through, so the engines can count into its
 * {@link ListenerMetrics} without being handed it; and byte counting on the connection itself.
 * @module
 */
import type { ListenerMetrics } from "./families.ts";

const LISTENER = Symbol("wmproxy.listener_metrics");

/**
 * Marks `conn` as accepted by the listener of `metrics` and counts the bytes read from and
 * written to it through its `read`/`write` (and {@link countedRead}'s).
 */
export function attachListener(conn: Deno.Conn, metrics: ListenerMetrics): void {
  Reflect.set(conn, LISTENER, metrics);
  const read = conn.read;
  const write = conn.write;
  const received = metrics.received;
  const sent = metrics.sent;
  conn.read = function (p: Uint8Array) {
    return read.call(this, p).then((n) => {
      if (n !== null) received.value += n;
      return n;
    });
  };
  conn.write = function (p: Uint8Array) {
    return write.call(this, p).then((n) => {
      sent.value += n;
      return n;
    });
  };
}

/**
 * Gives `to` (a connection wrapping `from`, e.g. after a PROXY header) `from`'s listener, so
 * requests on it count there; bytes are still counted once, by `from`.
 */
export function inheritListener(from: unknown, to: object): void {
  const m = listenerOf(from);
  if (m !== undefined) Reflect.set(to, LISTENER, m);
}

/** The listener metrics of a connection marked by {@link attachListener}. */
export function listenerOf(conn: unknown): ListenerMetrics | undefined {
  return typeof conn === "object" && conn !== null
    ? Reflect.get(conn, LISTENER) as ListenerMetrics | undefined
    : undefined;
}

/** `read` counting into `conn`'s listener, when it has one (for readers that bypass `read`). */
export function countedRead(
  conn: unknown,
  read: (buf: Uint8Array) => Promise<number>,
): (buf: Uint8Array) => Promise<number> {
  const m = listenerOf(conn);
  if (m === undefined) return read;
  const received = m.received;
  return (buf) =>
    read(buf).then((n) => {
      received.value += n;
      return n;
    });
}
