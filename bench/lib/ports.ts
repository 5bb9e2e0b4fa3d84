/**
 * Loopback ports: picking a free one, and waiting until one accepts connections.
 * @module
 */

const LOOPBACK = "127.0.0.1";
const RETRY_MS = 20;

/**
 * Asks the kernel for a free loopback port by binding port 0, then releases it.
 * @returns a port that was free a moment ago
 */
export function freePort(): number {
  const listener = Deno.listen({ hostname: LOOPBACK, port: 0 });
  try {
    return (listener.addr as Deno.NetAddr).port;
  } finally {
    listener.close();
  }
}

/**
 * Distinct free ports; all are held bound at once so none is handed out twice.
 * @param count how many ports
 * @returns the ports
 */
export function freePorts(count: number): number[] {
  const listeners = Array.from(
    { length: count },
    () => Deno.listen({ hostname: LOOPBACK, port: 0 }),
  );
  try {
    return listeners.map((listener) => (listener.addr as Deno.NetAddr).port);
  } finally {
    for (const listener of listeners) listener.close();
  }
}

/** Options of `waitForPort`. */
export interface WaitForPortOptions {
  /** Give up after this many milliseconds. @default 10000 */
  timeoutMs?: number;
  /** Stop waiting early, e.g. when the process that should listen has exited. */
  signal?: AbortSignal;
}

/**
 * Connects to `127.0.0.1:port` until a connection succeeds, the deadline passes or `signal`
 * aborts. This is the harness's only polling: readiness of a spawned server.
 * @param port the port to probe
 * @param options deadline and abort signal
 * @throws Error with the reason when the port never accepted
 */
export async function waitForPort(port: number, options: WaitForPortOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  let lastError = "no attempt made";
  while (true) {
    options.signal?.throwIfAborted();
    try {
      const conn = await Deno.connect({ hostname: LOOPBACK, port });
      conn.close();
      return;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() >= deadline) {
      throw new Error(`port ${port} did not accept within ${timeoutMs} ms: ${lastError}`);
    }
    await pause(RETRY_MS, options.signal);
  }
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}
