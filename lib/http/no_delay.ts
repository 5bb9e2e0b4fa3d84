/**
 * Turns Nagle's algorithm off: a head and a body written separately must not wait for the
 * peer's delayed ACK (40 ms per exchange otherwise). Ignores a connection already closed.
 */
export function noDelay(conn: Deno.Conn): void {
  // A TLS connection has no setNoDelay: its listener set TCP_NODELAY (lib/net/tcp_no_delay.ts).
  if (!("setNoDelay" in conn)) return;
  try {
    (conn as Deno.TcpConn).setNoDelay(true);
  } catch {
    // closed already: the next read or write reports it
  }
}
