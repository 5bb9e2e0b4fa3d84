/**
 * Fair turns under saturation: every connection gets its next request (or relay read) served
 * within a bounded number of rounds, even while others always have data ready.
 *
 * Why it is needed (measured on Deno 2.9): the runtime's I/O driver learns which sockets became
 * readable only when it polls epoll, and it polls epoll only when nothing else is runnable, or
 * once every few dozen task polls. A read on a socket the driver still holds as readable (its
 * last read was not cut short) is tried at once and usually completes; a read on any other
 * socket waits for the next epoll poll. While the JavaScript thread is saturated, connections
 * whose reads keep completing at once keep the runtime busy, epoll is polled rarely, and the
 * others wait: at wrk -c200 one request in fifty waited 40–60 ms, and p99 reached 60–500 ms
 * where nginx answers in 7 ms.
 *
 * The remedy: callers spend one unit per request (or relay read) with {@link takeTurn}. After
 * {@link TURN_BUDGET} units the next callers wait until a one-byte read on a private loopback
 * socket pair completes, which happens only after the driver has polled epoll; by then every
 * socket that became readable meanwhile has its read queued, so the waiting connections take
 * their turn behind the starved ones. A turn costs two socket operations, once per budget.
 *
 * Turns are active only between {@link openTurns} and {@link closeTurns} (the running
 * instance opens them); otherwise {@link takeTurn} never waits.
 * @module
 */

/** Units (requests, relay reads) served between two epoll turns while the thread is busy. */
export const TURN_BUDGET = 64;

const ONE = new Uint8Array([1]);

/** The private socket pair: a byte written on `a` becomes readable on `b` after an epoll poll. */
interface Ticker {
  a: Deno.TcpConn;
  b: Deno.TcpConn;
  sink: Uint8Array;
}

let ticker: Ticker | null = null;
let spent = 0;
let turning = false;
let waiting: (() => void)[] = [];

/**
 * Spends one unit of the current round.
 * @returns undefined to go on at once (the usual case), or a promise to await first: the
 * round's budget is spent and the caller waits for the runtime's next epoll poll.
 */
export function takeTurn(): Promise<void> | undefined {
  if (++spent <= TURN_BUDGET || ticker === null) return undefined;
  const promise = new Promise<void>((resolve) => waiting.push(resolve));
  if (!turning) void turn(ticker);
  return promise;
}

/** Opens the socket pair turns use; does nothing when open. False when it cannot be opened. */
export async function openTurns(): Promise<boolean> {
  if (ticker !== null) return true;
  let listener: Deno.TcpListener | undefined;
  let a: Deno.TcpConn | undefined;
  try {
    listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const accepted = listener.accept();
    a = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
    const b = await accepted;
    a.setNoDelay(true);
    ticker = { a, b, sink: new Uint8Array(64) };
    return true;
  } catch {
    a?.close();
    return false;
  } finally {
    listener?.close();
  }
}

/** Closes the socket pair; callers waiting for a turn go on. */
export function closeTurns(): void {
  const t = ticker;
  ticker = null;
  if (t === null) return;
  for (const conn of [t.a, t.b]) {
    try {
      conn.close();
    } catch {
      // already closed
    }
  }
  if (!turning) release();
}

/** Waits for the runtime to poll epoll (a byte written on `a` shows up on `b`), then a new round. */
async function turn(t: Ticker): Promise<void> {
  turning = true;
  try {
    await t.a.write(ONE);
    if ((await t.b.read(t.sink)) === null) throw new Error("turn socket closed");
  } catch {
    // The pair broke (or was closed): without it, turns never wait.
    if (ticker === t) closeTurns();
  } finally {
    turning = false;
    release();
  }
}

/** A new round: everyone waiting goes on, in the order they came. */
function release(): void {
  spent = 0;
  const ready = waiting;
  waiting = [];
  for (const resolve of ready) resolve();
}
