/**
 * Byte I/O on real sockets: write everything, read to the end, a number of bytes, a text or a
 * head, and whole exchanges with a server on 127.0.0.1.
 * @module
 */
import assert from "node:assert/strict";
import { concat, decoder, encoder } from "./bytes.ts";

/** Writes every byte (text is sent as UTF-8). */
export async function writeAll(conn: Deno.Conn, data: Uint8Array | string): Promise<void> {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  let off = 0;
  while (off < bytes.length) off += await conn.write(bytes.subarray(off));
}

/** Reads until EOF; a reset is an error. */
export async function readAll(conn: Deno.Conn): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(65536);
  while (true) {
    const n = await conn.read(buf);
    if (n === null) return concat(...chunks);
    chunks.push(buf.slice(0, n));
  }
}

/**
 * Reads until the peer closes or resets (either counts as the end); everything received. Fails
 * instead of hanging when the end does not come within `timeoutMs`.
 */
export async function readToEnd(conn: Deno.Conn, timeoutMs = 30_000): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(65536);
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    closeQuietly(conn);
  }, timeoutMs);
  try {
    while (true) {
      let n: number | null;
      try {
        n = await conn.read(buf);
      } catch {
        if (expired) throw new Error(`the peer did not close within ${timeoutMs} ms`);
        break; // reset
      }
      if (n === null) break;
      chunks.push(buf.slice(0, n));
    }
  } finally {
    clearTimeout(timer);
  }
  return concat(...chunks);
}

/** Reads exactly `n` bytes (throws on early EOF). */
export async function readExactly(conn: Deno.Conn, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let off = 0;
  while (off < n) {
    const got = await conn.read(out.subarray(off));
    if (got === null) throw new Error(`EOF after ${off} of ${n} bytes`);
    off += got;
  }
  return out;
}

/** Reads until `text` has arrived (or the peer closes); returns everything read so far. */
export async function readUntil(conn: Deno.Conn, text: string): Promise<string> {
  let got = "";
  const buf = new Uint8Array(65536);
  while (!got.includes(text)) {
    const n = await conn.read(buf);
    if (n === null) break;
    got += decoder.decode(buf.subarray(0, n));
  }
  return got;
}

/** Reads one byte at a time up to and including the blank line that ends an HTTP head. */
export async function readHead(conn: Deno.Conn): Promise<Uint8Array> {
  const bytes: number[] = [];
  const one = new Uint8Array(1);
  while (!(bytes.length >= 4 && bytes.slice(-4).join() === "13,10,13,10")) {
    if ((await conn.read(one)) === null) break;
    bytes.push(one[0]);
  }
  return new Uint8Array(bytes);
}

/** Closes a connection (or listener) that may be closed already. */
export function closeQuietly(conn: { close(): void }): void {
  try {
    conn.close();
  } catch {
    // closed already
  }
}

/** Connects to `port`, sends `payload`, half-closes, returns everything received. */
export async function roundTrip(port: number, payload: Uint8Array): Promise<Uint8Array> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const [, got] = await Promise.all([
      writeAll(conn, payload).then(() => conn.closeWrite()),
      readAll(conn),
    ]);
    return got;
  } finally {
    conn.close();
  }
}

/**
 * Sends `payload` on a new connection (writing while reading, so a large payload cannot
 * deadlock), then reads until the server closes; everything it answered.
 */
export async function exchange(
  port: number,
  payload: Uint8Array | string,
  hostname = "127.0.0.1",
): Promise<Uint8Array> {
  const conn = await Deno.connect({ hostname, port });
  try {
    const writing = writeAll(conn, payload).catch(() => {});
    const answer = await readToEnd(conn);
    await writing;
    return answer;
  } finally {
    closeQuietly(conn);
  }
}

/** {@link exchange} with the answer as text. */
export async function rawExchange(port: number, payload: Uint8Array | string): Promise<string> {
  return decoder.decode(await exchange(port, payload));
}

/** Sends `text` on an open echoing connection and asserts it comes back unchanged. */
export async function ping(conn: Deno.Conn, text: string): Promise<void> {
  const msg = encoder.encode(text);
  await writeAll(conn, msg);
  assert.equal(decoder.decode(await readExactly(conn, msg.length)), text);
}

/** The status code of a raw HTTP reply. */
export function statusOf(reply: string): number {
  return Number(reply.split(" ")[1]);
}

/**
 * One new connection to `port` that echoes `text` once, then closes; false when the kernel
 * reset it (with `tcp_migrate_req = 0`, a connection queued on a closing reusePort socket).
 */
export async function echoOnce(port: number, text: string): Promise<boolean> {
  let conn: Deno.TcpConn | undefined;
  try {
    conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await ping(conn, text);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.ConnectionReset) return false;
    throw e;
  } finally {
    conn?.close();
  }
}
