/**
 * Loopback ports: picking free ones (TCP or UDP), and waiting until one accepts connections
 * or echoes a datagram.
 * @module
 */

const LOOPBACK = "127.0.0.1";
const RETRY_MS = 20;
const UDP_RETRY_MS = 100;

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

/**
 * Distinct free loopback UDP ports; all are held bound at once so none is handed out twice.
 * @param count how many ports
 * @returns the ports
 */
export function freeUdpPorts(count: number): number[] {
  const sockets = Array.from(
    { length: count },
    () => Deno.listenDatagram({ transport: "udp", hostname: LOOPBACK, port: 0 }),
  );
  try {
    return sockets.map((socket) => (socket.addr as Deno.NetAddr).port);
  } finally {
    for (const socket of sockets) socket.close();
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

/**
 * Sends a probe datagram to `127.0.0.1:port` until one comes back (from an echo server, or
 * through a forwarder in front of one), the deadline passes or `signal` aborts. The probe is
 * resent every 100 ms, as UDP gives no sign of a port that is not yet bound.
 * @param port the UDP port to probe
 * @param options deadline and abort signal
 * @throws Error when nothing was echoed in time
 */
export async function waitForUdpEcho(
  port: number,
  options: WaitForPortOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  const socket = Deno.listenDatagram({ transport: "udp", hostname: LOOPBACK, port: 0 });
  // One receive stays pending across resends; closing the socket ends it.
  const reply = socket.receive().then(() => true, () => false);
  let lastError = "no datagram came back";
  try {
    while (true) {
      options.signal?.throwIfAborted();
      try {
        await socket.send(new TextEncoder().encode("probe"), {
          transport: "udp",
          hostname: LOOPBACK,
          port,
        });
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
      }
      const answered = await Promise.race([reply, pause(UDP_RETRY_MS, options.signal)]);
      if (answered === true) return;
      if (Date.now() >= deadline) {
        throw new Error(`UDP port ${port} echoed nothing within ${timeoutMs} ms: ${lastError}`);
      }
    }
  } finally {
    socket.close();
    await reply;
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
