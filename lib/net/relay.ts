import { countedBy, countedRead, uncountedRead, uncountedWrite } from "../metrics/conn_metrics.ts";
import { AdaptiveBuffer } from "./read_buffer.ts";
import { startInterval, stopTimer } from "./timer.ts";
import { takeTurn } from "./turns.ts";

/**
 * What {@link relay} copies between: a `Deno.Conn` (TCP, TLS, Unix) or anything with the same
 * read/write/closeWrite/close, such as a multiplexed tunnel stream.
 */
export type Duplex = Pick<Deno.Conn, "read" | "write" | "closeWrite" | "close">;

/** Options for {@link relay}. */
export interface RelayOptions {
  /** Close both sides after this many milliseconds with no byte in either direction; 0 = never. @default 0 */
  idleTimeout?: number;
}

/** What a finished relay did. */
export interface RelayResult {
  /** Bytes copied from `a` to `b`. */
  readonly sent: number;
  /** Bytes copied from `b` to `a`. */
  readonly received: number;
  /** Why it ended: both sides finished, one failed, or it was idle too long. */
  readonly reason: "eof" | "error" | "idle";
}

/**
 * Copies bytes both ways between two connections with raw read/write loops until both
 * directions end. Each direction waits with a small buffer and borrows a pooled copy buffer only
 * while data streams (see {@link AdaptiveBuffer}), so an idle relay costs little memory. An end of stream on one side is passed on as a
 * half-close (`closeWrite`) so the other direction can still finish; an error on either side
 * closes both. Both connections are closed when it resolves.
 */
export function relay(
  a: Duplex,
  b: Duplex,
  options: RelayOptions = {},
): Promise<RelayResult> {
  const state = new RelayState(a, b);
  const idle = options.idleTimeout ?? 0;
  const timer = idle > 0 ? startInterval(() => state.checkIdle(), idle) : undefined;
  // A `then`, not an async function awaiting: no suspended frame is kept per idle relay.
  const end = () => {
    stopTimer(timer);
    state.closeBoth();
  };
  return Promise.all([pump(a, b, state), pump(b, a, state)]).then(([sent, received]) => {
    end();
    return { sent, received, reason: state.reason };
  }, (error) => {
    end();
    throw error;
  });
}

/** What both directions of one relay share: idle flag, end reason, closing both once. */
class RelayState {
  /** Set by every read; the idle check clears it. */
  active = false;
  reason: RelayResult["reason"] = "eof";
  #a: Duplex;
  #b: Duplex;
  #closed = false;

  constructor(a: Duplex, b: Duplex) {
    this.#a = a;
    this.#b = b;
  }

  /** Runs every `idleTimeout` ms: a whole period without a read closes both sides. */
  checkIdle(): void {
    if (this.active) {
      this.active = false;
    } else if (!this.#closed) {
      this.reason = "idle";
      this.closeBoth();
    }
  }

  /** A read or write failed: both sides are closed (unless something closed them first). */
  fail(): void {
    if (!this.#closed) this.reason = "error";
    this.closeBoth();
  }

  /** Closes both connections; later calls do nothing. */
  closeBoth(): void {
    if (this.#closed) return;
    this.#closed = true;
    safeClose(this.#a);
    safeClose(this.#b);
  }
}

/**
 * A source that needs no buffer while it waits: `readLazy(take)` calls `take()` for one only
 * once bytes are there and places them at its start (a multiplexed tunnel stream).
 */
export interface LazySource {
  readLazy(take: () => Uint8Array): Promise<number | null>;
}

/** Copies `src` to `dst` until end of stream or an error; resolves to the bytes copied. */
async function pump(src: Duplex, dst: Duplex, state: RelayState): Promise<number> {
  const lazy = typeof (src as Partial<LazySource>).readLazy === "function"
    ? src as Duplex & LazySource
    : undefined;
  // A lazy source lends no buffer while idle: a pooled one is taken when bytes arrive.
  const buffer = new AdaptiveBuffer({ small: lazy === undefined });
  // The pump counts a client connection's bytes into its listener itself (one addition, where
  // the counting `read`/`write` of `attachListener` would add a promise to every op).
  const read = lazy === undefined ? uncountedReader(src) : undefined;
  const write = uncountedWrite(dst);
  const received = countedBy(src)?.received;
  const sent = countedBy(dst)?.sent;
  const take = lazy === undefined ? undefined : () => buffer.current;
  let total = 0;
  try {
    while (true) {
      const n = await (read === undefined ? lazy!.readLazy(take!) : read(buffer.current));
      if (!n) break;
      if (received !== undefined) received.value += n;
      const buf = buffer.current;
      state.active = true;
      total += n;
      let off = await write(n === buf.length ? buf : buf.subarray(0, n));
      if (sent !== undefined) sent.value += off;
      while (off < n) {
        const w = await write(buf.subarray(off, n));
        if (sent !== undefined) sent.value += w;
        off += w;
      }
      buffer.update(n);
      const turn = takeTurn();
      if (turn !== undefined) await turn;
    }
    try {
      await dst.closeWrite();
    } catch {
      // the peer may already be gone; the other direction decides
    }
  } catch {
    state.fail();
  } finally {
    buffer.release();
  }
  return total;
}

// Connections `safeClose` has closed. Closing one twice makes Deno build a BadResource error
// with a stack trace (about 20 µs), and relay, handler and listener each close on their way out.
const closed = new WeakSet<Duplex>();

/** Closes a connection, ignoring "already closed"; a second call costs nothing. */
export function safeClose(conn: Duplex): void {
  if (closed.has(conn)) return;
  closed.add(conn);
  try {
    conn.close();
  } catch {
    // already closed
  }
}

// `Deno.Conn.read` wraps the runtime's read op in an async function that also tracks the
// pending promise for `unref()`; relayed connections are never unref'd, and calling the op
// directly cut forwarder CPU by about 0.7 µs per proxied request (two reads) in
// `deno task bench tcp`. It is internal API (Deno 2.x): when any piece of it is missing,
// the public `read` is used (re-measure when upgrading Deno).
type ReadOp = (rid: number, buf: Uint8Array) => Promise<number>;
const readOp = findReadOp();
let ridSymbol: symbol | undefined;

function findReadOp(): ReadOp | undefined {
  const internal = Reflect.get(Deno, "internal");
  const core = typeof internal === "symbol" ? Reflect.get(Deno, internal)?.core : undefined;
  return typeof core?.read === "function" ? core.read : undefined;
}

/**
 * A read function for `conn` that resolves to 0 at end of stream; a `Deno.Conn` is read through
 * the runtime's op directly, anything else through its `read`.
 */
export function fastReader(conn: Duplex): (buf: Uint8Array) => Promise<number> {
  const op = opReader(conn);
  return op === undefined ? async (buf) => (await conn.read(buf)) ?? 0 : countedRead(conn, op);
}

/** Like {@link fastReader}, but never counting into the connection's listener. */
function uncountedReader(conn: Duplex): (buf: Uint8Array) => Promise<number> {
  const op = opReader(conn);
  if (op !== undefined) return op;
  const read = uncountedRead(conn);
  return async (buf) => (await read(buf)) ?? 0;
}

/** The runtime's read op bound to `conn`, when `conn` is a `Deno.Conn` and the op is there. */
function opReader(conn: Duplex): ((buf: Uint8Array) => Promise<number>) | undefined {
  if (readOp === undefined) return undefined;
  ridSymbol ??= Object.getOwnPropertySymbols(conn).find((s) =>
    s.description === "Deno.internal.rid"
  );
  const rid = ridSymbol === undefined ? undefined : Reflect.get(conn, ridSymbol);
  return typeof rid === "number" ? (buf) => readOp(rid, buf) : undefined;
}
