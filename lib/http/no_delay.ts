/**
 * Turns Nagle's algorithm off: a head and a body written separately must not wait for the
 * peer's delayed ACK (40 ms per exchange otherwise). Ignores a connection already closed.
 */
export function noDelay(conn: Deno.TcpConn): void {
  try {
    conn.setNoDelay(true);
  } catch {
    // closed already: the next read or write reports it
  }
}
