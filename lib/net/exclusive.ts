/**
 * Throws `Deno.errors.AddrInUse` when any socket holds `hostname:port` for TCP, even one bound
 * with `reusePort`: a probe bound without it cannot share the address with anyone. Our own
 * listeners bind with `reusePort` (to hand sockets over on reload), so without this probe a new
 * address could silently share another program's port and take part of its connections.
 * Port 0 is never held.
 * @param hostname the address to probe
 * @param port its port
 */
export function assertPortFree(hostname: string, port: number): void {
  if (port === 0) return;
  const probe = Deno.listen({ hostname, port, transport: "tcp" });
  probe.close();
}
