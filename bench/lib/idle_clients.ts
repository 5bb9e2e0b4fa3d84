/**
 * Many idle client connections from this process, for measuring what a server holds per
 * connection: each connects to a loopback port, optionally sends one request and reads its
 * whole answer, then stays open without sending anything until `close`.
 * @module
 */

const LOOPBACK = "127.0.0.1";
const MAX_ANSWER_BYTES = 64 * 1024;

/** Options of `openIdleConnections`. */
export interface IdleOptions {
  /** Bytes sent once on each connection; the answer is read in full before it counts as idle. */
  request?: string;
  /**
   * Send one byte and wait for it to come back (an echo server behind the listener) before the
   * connection counts as open, so the whole path is up; instead of `request`. @default false
   */
  echoByte?: boolean;
  /** Connections opened at the same time (kept low so no listen backlog overflows). @default 64 */
  concurrency?: number;
}

/** Open idle connections. */
export interface IdleSet {
  /** How many are open. */
  count: number;
  /** Closes every connection. */
  close(): void;
}

/**
 * Opens `count` connections to `127.0.0.1:port`; with a request, each is open once its answer
 * (head, and a `Content-Length` body) has arrived and its status is 200.
 * @param port the loopback port
 * @param count how many connections
 * @param options the request, and how many to open at once
 * @returns the open connections
 * @throws Error when one fails to connect or answers other than 200 (all are closed then)
 */
export async function openIdleConnections(
  port: number,
  count: number,
  options: IdleOptions = {},
): Promise<IdleSet> {
  const conns: Deno.TcpConn[] = [];
  const close = () => {
    for (const conn of conns) {
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
  };
  const request = options.request === undefined
    ? undefined
    : new TextEncoder().encode(options.request);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < count) {
      next++;
      const conn = await Deno.connect({ hostname: LOOPBACK, port });
      conns.push(conn);
      if (request !== undefined) await exchange(conn, request);
      else if (options.echoByte) await echoOne(conn);
    }
  }
  const workers = Math.max(1, Math.min(options.concurrency ?? 64, count));
  try {
    await Promise.all(Array.from({ length: workers }, worker));
  } catch (error) {
    close();
    throw error;
  }
  return { count: conns.length, close };
}

const ECHO_BYTE = 0x2a;

async function echoOne(conn: Deno.TcpConn): Promise<void> {
  await conn.write(new Uint8Array([ECHO_BYTE]));
  const got = new Uint8Array(1);
  const n = await conn.read(got);
  if (n !== 1 || got[0] !== ECHO_BYTE) throw new Error("the echo byte did not come back");
}

async function exchange(conn: Deno.TcpConn, request: Uint8Array): Promise<void> {
  let rest = request;
  while (rest.length > 0) rest = rest.subarray(await conn.write(rest));
  let text = "";
  const buffer = new Uint8Array(4096);
  const decoder = new TextDecoder("latin1");
  while (true) {
    const n = await conn.read(buffer);
    if (n === null) throw new Error(`connection closed after ${text.length} bytes of the answer`);
    text += decoder.decode(buffer.subarray(0, n), { stream: true });
    const length = completeAnswerLength(text);
    if (length !== null) {
      const status = text.slice(0, text.indexOf("\r\n"));
      if (!/^HTTP\/1\.[01] 200\b/.test(status)) throw new Error(`answer "${status}"`);
      if (text.length > length) throw new Error("more bytes than the answer arrived");
      return;
    }
    if (text.length > MAX_ANSWER_BYTES) throw new Error("answer too long");
  }
}

/**
 * The length of a complete HTTP/1.1 answer at the start of `text`: its head, plus the body its
 * `Content-Length` announces (none for a CONNECT's 200, which has no such header).
 * @param text what arrived so far (latin1-decoded bytes)
 * @returns the answer's length in bytes, or null while it is incomplete
 */
export function completeAnswerLength(text: string): number | null {
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const head = text.slice(0, end);
  const match = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
  const total = end + 4 + (match === null ? 0 : Number(match[1]));
  return text.length >= total ? total : null;
}

/**
 * Resident memory each connection added, in KiB.
 * @param beforeMiB VmRSS before the connections opened
 * @param duringMiB VmRSS with them open
 * @param count how many were open
 * @returns (during - before) / count, in KiB
 */
export function kibPerConnection(beforeMiB: number, duringMiB: number, count: number): number {
  return count === 0 ? NaN : (duringMiB - beforeMiB) * 1024 / count;
}

/** Idle connections per kind when `BENCH_IDLE_CONNECTIONS` is unset. */
export const DEFAULT_IDLE_CONNECTIONS = 2000;

/** The most idle connections per kind: ours holds two sockets each, under a 20,000 fd limit. */
export const MAX_IDLE_CONNECTIONS = 3000;

/**
 * Reads how many idle connections to open per kind.
 * @param raw the value of `BENCH_IDLE_CONNECTIONS`, or undefined
 * @returns the count, 2000 by default
 * @throws Error when it is not a whole number from 1 to 3000
 */
export function parseIdleCount(raw: string | undefined): number {
  const text = raw?.trim() ?? "";
  if (text === "") return DEFAULT_IDLE_CONNECTIONS;
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_IDLE_CONNECTIONS) {
    throw new Error(
      `BENCH_IDLE_CONNECTIONS: "${text}" is not a whole number from 1 to ${MAX_IDLE_CONNECTIONS}`,
    );
  }
  return value;
}
