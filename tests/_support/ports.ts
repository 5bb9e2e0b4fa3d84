/**
 * Loopback ports: free ones to configure main.ts with, and whether one refuses connections.
 * @module
 */

/** A loopback TCP port that was free a moment ago. */
export function freePort(hostname = "127.0.0.1"): number {
  const l = Deno.listen({ hostname, port: 0 });
  const { port } = l.addr as Deno.NetAddr;
  l.close();
  return port;
}

/** A loopback UDP port that was free a moment ago. */
export function freeUdpPort(hostname = "127.0.0.1"): number {
  const s = Deno.listenDatagram({ transport: "udp", hostname, port: 0 });
  const { port } = s.addr as Deno.NetAddr;
  s.close();
  return port;
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
