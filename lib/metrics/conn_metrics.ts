/**
 * Which listener a client connection came through, so the engines can count into its
 * {@link ListenerMetrics} without being handed it; and byte counting on the connection itself.
 * @module
 */
import type { ListenerMetrics } from "./families.ts";

const LISTENER = Symbol("wmproxy.listener_metrics");

/** A prototype whose `read`/`write` count into the connection's listener, per original prototype. */
const countingProtos = new WeakMap<object, object>();
/** For each counting prototype, the `read`/`write` it counts around. */
const originals = new WeakMap<object, { read: Io; write: Io }>();

type Io = (this: Deno.Conn, p: Uint8Array) => Promise<number | null>;

function countingProto(proto: object): object {
  let counting = countingProtos.get(proto);
  if (counting === undefined) {
    const read = Reflect.get(proto, "read") as Io;
    const write = Reflect.get(proto, "write") as Io;
    counting = Object.create(proto, {
      read: {
        value(this: Deno.Conn, p: Uint8Array) {
          const m = Reflect.get(this, LISTENER) as ListenerMetrics;
          return read.call(this, p).then((n) => {
            if (n !== null) m.received.value += n;
            return n;
          });
        },
      },
      write: {
        value(this: Deno.Conn, p: Uint8Array) {
          const m = Reflect.get(this, LISTENER) as ListenerMetrics;
          return write.call(this, p).then((n) => {
            m.sent.value += n as number;
            return n;
          });
        },
      },
    }) as object;
    countingProtos.set(proto, counting);
    originals.set(counting, { read, write });
  }
  return counting;
}

/**
 * Marks `conn` as accepted by the listener of `metrics` and counts the bytes read from and
 * written to it through its `read`/`write` (and {@link countedRead}'s). The connection gets one
 * property and a shared counting prototype, no closures of its own: an idle connection costs
 * what it did without metrics. The relay reads and writes around the counting (see
 * {@link uncountedRead}) and adds to the counters itself: a promise less per forwarded chunk.
 */
export function attachListener(conn: Deno.Conn, metrics: ListenerMetrics): void {
  Reflect.set(conn, LISTENER, metrics);
  Object.setPrototypeOf(conn, countingProto(Object.getPrototypeOf(conn)));
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

/**
 * The listener metrics of `conn` when {@link attachListener} counts its bytes through its own
 * `read`/`write` (not a wrapper that inherited the listener): the counters a caller of
 * {@link uncountedRead}/{@link uncountedWrite} adds to.
 */
export function countedBy(conn: unknown): ListenerMetrics | undefined {
  return typeof conn === "object" && conn !== null && originals.has(Object.getPrototypeOf(conn))
    ? listenerOf(conn)
    : undefined;
}

/**
 * `conn.read` without the counting of {@link attachListener}, for a caller that counts the bytes
 * into {@link listenerOf}'s counters itself (the relay: no extra promise per read); for any other
 * object, its own `read`.
 */
export function uncountedRead(
  conn: Pick<Deno.Conn, "read">,
): (p: Uint8Array) => Promise<number | null> {
  const read = originals.get(Object.getPrototypeOf(conn))?.read;
  return read === undefined ? (p) => conn.read(p) : (p) => read.call(conn as Deno.Conn, p);
}

/** `conn.write` without the counting of {@link attachListener}, like {@link uncountedRead}. */
export function uncountedWrite(
  conn: Pick<Deno.Conn, "write">,
): (p: Uint8Array) => Promise<number> {
  const write = originals.get(Object.getPrototypeOf(conn))?.write;
  return write === undefined
    ? (p) => conn.write(p)
    : (p) => write.call(conn as Deno.Conn, p) as Promise<number>;
}
