/**
 * Loopback ports: free ones to configure main.ts with, and whether one refuses connections.
 * @module
 */

/**
 * Where the ports handed out are taken from: below the kernel's ephemeral range, so that no
 * outgoing connection (of this test or another process) is given one as its source port
 * between the moment we find it free and the moment main.ts binds it.
 */
const RANGE = portRange();
/** Ports this process has handed out: never handed out twice. */
const handedOut = new Set<number>();

function portRange(): { low: number; high: number } {
  let ephemeralLow = 32768;
  try {
    const text = Deno.readTextFileSync("/proc/sys/net/ipv4/ip_local_port_range");
    ephemeralLow = Number(text.trim().split(/\s+/)[0]) || ephemeralLow;
  } catch {
    // not Linux: the usual default
  }
  return { low: Math.max(1024, ephemeralLow - 22_000), high: ephemeralLow - 1 };
}

/** A port of {@link RANGE} not handed out before for which `tryBind` succeeds. */
function pick(tryBind: (port: number) => boolean): number {
  for (let i = 0; i < 1000; i++) {
    const port = RANGE.low + Math.floor(Math.random() * (RANGE.high - RANGE.low));
    if (handedOut.has(port) || !tryBind(port)) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port in ${RANGE.low}-${RANGE.high}`);
}

/** A loopback TCP port that was free a moment ago (outside the ephemeral range). */
export function freePort(hostname = "127.0.0.1"): number {
  return pick((port) => {
    try {
      Deno.listen({ hostname, port }).close();
      return true;
    } catch {
      return false;
    }
  });
}

/** A loopback UDP port that was free a moment ago (outside the ephemeral range). */
export function freeUdpPort(hostname = "127.0.0.1"): number {
  return pick((port) => {
    try {
      Deno.listenDatagram({ transport: "udp", hostname, port }).close();
      return true;
    } catch {
      return false;
    }
  });
}

/** Whether a TCP connect to 127.0.0.1:`port` is refused. */
export async function refuses(port: number): Promise<boolean> {
  try {
    const c = await Deno.connect({ hostname: "127.0.0.1", port });
    c.close();
    return false;
  } catch (e) {
    if (e instanceof Deno.errors.ConnectionRefused) return true;
    throw e;
  }
}
