/**
 * One request through a forward proxy, HTTP or SOCKS5, to tell that it is ready and allows
 * loopback clients: a port that accepts is not yet a proxy that forwards.
 * @module
 */

import { errorMessage } from "./attempt.ts";

const LOOPBACK = "127.0.0.1";
const MAX_HEAD_BYTES = 16 * 1024;

/**
 * Sends `GET http://127.0.0.1:<originPort>/` (absolute form, `Connection: close`) to the HTTP
 * proxy on `port` and checks that the answer is a 200.
 * @param port the proxy's loopback port
 * @param originPort the HTTP server behind it, on 127.0.0.1
 * @param signal aborts the probe (closing its connection)
 * @throws Error with the status line (or what went wrong) when the answer is not a 200
 */
export async function probeHttpProxy(
  port: number,
  originPort: number,
  signal?: AbortSignal,
): Promise<void> {
  const origin = `${LOOPBACK}:${originPort}`;
  await withConnection(port, signal, async (conn, reader) => {
    await writeAll(
      conn,
      `GET http://${origin}/ HTTP/1.1\r\nHost: ${origin}\r\nConnection: close\r\n\r\n`,
    );
    expectOk(await reader.line(), `HTTP proxy on port ${port}`);
  });
}

/**
 * Sends an origin-form `GET <path>` (`Connection: close`) to the HTTP server or reverse proxy
 * on `port` and checks that the answer is a 200.
 * @param port the loopback port
 * @param path the request target, e.g. `/`
 * @param signal aborts the probe (closing its connection)
 * @param host the Host header @default `127.0.0.1:<port>`
 * @throws Error with the status line (or what went wrong) when the answer is not a 200
 */
export async function probeHttp(
  port: number,
  path: string,
  signal?: AbortSignal,
  host = `${LOOPBACK}:${port}`,
): Promise<void> {
  await withConnection(port, signal, async (conn, reader) => {
    await writeAll(conn, `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    expectOk(await reader.line(), `HTTP server on port ${port} (${path})`);
  });
}

/**
 * Greets the SOCKS5 proxy on `port` (no authentication), CONNECTs to 127.0.0.1:`targetPort`
 * by IPv4, sends `GET /` and checks that the answer through the tunnel is a 200.
 * @param port the proxy's loopback port
 * @param targetPort an HTTP server on 127.0.0.1
 * @param signal aborts the probe (closing its connection)
 * @throws Error naming the step that failed
 */
export async function probeSocks5(
  port: number,
  targetPort: number,
  signal?: AbortSignal,
): Promise<void> {
  const what = `SOCKS5 proxy on port ${port}`;
  await withConnection(port, signal, async (conn, reader) => {
    await writeAll(conn, new Uint8Array([5, 1, 0]));
    const choice = await reader.bytes(2);
    if (choice[0] !== 5 || choice[1] !== 0) {
      throw new Error(`${what} refused "no authentication" (answered ${hex(choice)})`);
    }
    await writeAll(conn, socks5ConnectRequest(targetPort));
    const head = await reader.bytes(5);
    if (head[1] !== 0) throw new Error(`${what} answered CONNECT with reply code ${head[1]}`);
    // The rest of the reply is the bound address: IPv4 4 + 2, IPv6 16 + 2, a name 1 + len + 2.
    const rest = head[3] === 1 ? 5 : head[3] === 4 ? 17 : head[3] === 3 ? head[4] + 2 : -1;
    if (rest < 0) throw new Error(`${what} answered with address type ${head[3]}`);
    await reader.bytes(rest);
    await writeAll(conn, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expectOk(await reader.line(), `${what} (through the tunnel)`);
  });
}

/**
 * The SOCKS5 CONNECT request for 127.0.0.1:`port` (IPv4 address type).
 * @param port the target port
 * @returns the request's 10 bytes
 */
export function socks5ConnectRequest(port: number): Uint8Array {
  return new Uint8Array([5, 1, 0, 1, 127, 0, 0, 1, port >> 8, port & 0xff]);
}

/**
 * Whether an HTTP status line reports 200.
 * @param line e.g. `HTTP/1.1 200 OK`
 * @returns true for any HTTP/1.x 200
 */
export function isOkStatusLine(line: string): boolean {
  return /^HTTP\/1\.[01] 200\b/.test(line);
}

function expectOk(line: string, what: string): void {
  if (!isOkStatusLine(line)) throw new Error(`${what} answered "${line}"`);
}

/** Reads exact byte counts and lines from a connection. */
interface Reader {
  bytes(count: number): Promise<Uint8Array>;
  line(): Promise<string>;
}

async function withConnection(
  port: number,
  signal: AbortSignal | undefined,
  use: (conn: Deno.Conn, reader: Reader) => Promise<void>,
): Promise<void> {
  signal?.throwIfAborted();
  const conn = await Deno.connect({ hostname: LOOPBACK, port });
  let closed = false;
  // Aborting closes the connection, which ends any pending read or write.
  const close = () => {
    if (!closed) conn.close();
    closed = true;
  };
  signal?.addEventListener("abort", close, { once: true });
  try {
    signal?.throwIfAborted();
    await use(conn, createReader(conn));
  } catch (error) {
    if (signal?.aborted) {
      throw new Error(`probe of port ${port} aborted: ${errorMessage(signal.reason)}`);
    }
    throw error;
  } finally {
    signal?.removeEventListener("abort", close);
    close();
  }
}

function createReader(conn: Deno.Conn): Reader {
  let buffered = new Uint8Array(0);
  async function fill(): Promise<void> {
    const chunk = new Uint8Array(4096);
    const n = await conn.read(chunk);
    if (n === null) throw new Error("the proxy closed the connection early");
    const next = new Uint8Array(buffered.length + n);
    next.set(buffered);
    next.set(chunk.subarray(0, n), buffered.length);
    buffered = next;
  }
  return {
    async bytes(count) {
      while (buffered.length < count) await fill();
      const taken = buffered.slice(0, count);
      buffered = buffered.slice(count);
      return taken;
    },
    async line() {
      while (true) {
        const end = buffered.indexOf(0x0a);
        if (end >= 0) {
          const text = new TextDecoder().decode(buffered.subarray(0, end)).replace(/\r$/, "");
          buffered = buffered.slice(end + 1);
          return text;
        }
        if (buffered.length > MAX_HEAD_BYTES) throw new Error("no line in the answer's head");
        await fill();
      }
    },
  };
}

async function writeAll(conn: Deno.Conn, data: string | Uint8Array): Promise<void> {
  let bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  while (bytes.length > 0) bytes = bytes.subarray(await conn.write(bytes));
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(" ");
}
