/**
 * TCP_NODELAY for TLS connections. Deno 2.9 gives a `TlsConn` no `setNoDelay` and leaves
 * Nagle's algorithm on for connections `Deno.listenTls` accepts: a small write made while an
 * earlier small one is unacknowledged waits for the peer's ACK, up to its delayed-ACK timer
 * (40 ms). Measured on the tunnel (many small frames per TLS session): p99 latency 31–37 ms
 * with Nagle, 2.4–3.6 ms without.
 *
 * Linux copies TCP_NODELAY from a listening socket to the sockets it accepts, so setting it
 * once on the listener covers every connection. Deno exposes no file descriptor for a
 * listener either: the socket is found among this process's descriptors (`/proc/self/fd`) by
 * its port, and the option is set through libc (FFI). Without the `ffi` and `read`
 * permissions, or off Linux, nothing is done.
 * @module
 */

const IPPROTO_TCP = 6;
const TCP_NODELAY = 1;
const SOL_SOCKET = 1;
const SO_ACCEPTCONN = 30;
const AF_INET = 2;
const AF_INET6 = 10;
const FD_DIR = "/proc/self/fd";

const SYMBOLS = {
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  getpeername: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"], result: "i32" },
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
} as const;

type Libc = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

let libc: Libc | null | undefined;

function openLibc(): Libc | null {
  if (libc !== undefined) return libc;
  libc = null;
  try {
    if (Deno.build.os !== "linux") return null;
    // Asked first so that a run without the permissions never prompts for them.
    if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return null;
    if (Deno.permissions.querySync({ name: "read", path: FD_DIR }).state !== "granted") {
      return null;
    }
    libc = Deno.dlopen("libc.so.6", SYMBOLS).symbols;
  } catch {
    libc = null;
  }
  return libc;
}

/** The port of a socket address libc filled in (IPv4 or IPv6), or -1. */
function portOf(addr: Uint8Array): number {
  const family = addr[0] | (addr[1] << 8);
  if (family !== AF_INET && family !== AF_INET6) return -1;
  return (addr[2] << 8) | addr[3];
}

/** Socket descriptors of this process whose local port is `port`, with their peer's port (-1: none). */
function socketsOn(c: Libc, port: number): { fd: number; peerPort: number }[] {
  const found: { fd: number; peerPort: number }[] = [];
  const addr = new Uint8Array(128);
  const len = new Uint32Array(1);
  for (const entry of Deno.readDirSync(FD_DIR)) {
    const fd = Number(entry.name);
    if (!Number.isInteger(fd)) continue;
    len[0] = addr.length;
    if (c.getsockname(fd, addr, len) !== 0 || portOf(addr) !== port) continue;
    len[0] = addr.length;
    const peerPort = c.getpeername(fd, addr, len) === 0 ? portOf(addr) : -1;
    found.push({ fd, peerPort });
  }
  return found;
}

function intOption(c: Libc, fd: number, level: number, name: number): number | null {
  const value = new Int32Array(1);
  const len = new Uint32Array([4]);
  const ok = c.getsockopt(fd, level, name, new Uint8Array(value.buffer), len) === 0;
  return ok ? value[0] : null;
}

/**
 * Turns Nagle's algorithm off on this process's TCP sockets listening on `port`, so the
 * connections they accept from now on start with TCP_NODELAY (Linux).
 * @returns how many listening sockets were set; null when it cannot be done here
 */
export function listenerNoDelay(port: number): number | null {
  const c = openLibc();
  if (c === null) return null;
  try {
    let set = 0;
    const one = new Uint8Array(new Int32Array([1]).buffer);
    for (const { fd, peerPort } of socketsOn(c, port)) {
      if (peerPort !== -1 || intOption(c, fd, SOL_SOCKET, SO_ACCEPTCONN) !== 1) continue;
      if (c.setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, one, 4) === 0) set++;
    }
    return set;
  } catch {
    return null;
  }
}

/**
 * Whether this process's TCP connection from local port `localPort` to remote port
 * `remotePort` has TCP_NODELAY; null when it cannot be told (for tests).
 */
export function connNoDelay(localPort: number, remotePort: number): boolean | null {
  const c = openLibc();
  if (c === null) return null;
  const socket = socketsOn(c, localPort).find((s) => s.peerPort === remotePort);
  if (socket === undefined) return null;
  const value = intOption(c, socket.fd, IPPROTO_TCP, TCP_NODELAY);
  return value === null ? null : value !== 0;
}
