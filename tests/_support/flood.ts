/**
 * Origins that write a large body as fast as the path to the client lets them (TCP, HTTP and
 * WebSocket), counting what they managed to write, and the check that such a writer stalled:
 * the tools of the slow-reader (backpressure) tests. Also the RSS of a process.
 * @module
 */
import { acceptLoop } from "./accept.ts";
import { encoder } from "./bytes.ts";
import { readHead, writeAll } from "./io.ts";

export { rssKib } from "./idle.ts";

/** Size of each write (or WebSocket message) of a flood. */
export const FLOOD_CHUNK = 64 * 1024;
/** A WebSocket flood sends while fewer than this many bytes wait in `bufferedAmount`. */
const WS_QUEUE = 1024 * 1024;
/** How often a WebSocket flood looks at `bufferedAmount` while it waits (ms). */
const WS_POLL_MS = 5;

/** One connection's flood: how far it got and how it ended. */
export class Flood {
  /** Bytes the origin wants to write in all. */
  readonly total: number;
  /** Bytes written so far (for a WebSocket: sent and no longer in `bufferedAmount`). */
  written = 0;
  /** `performance.now()` of the last write that completed. */
  lastWriteAt: number = performance.now();
  /** Set when the flood ended: `"all"` once every byte was written, else the error. */
  ended: "all" | Error | undefined;
  /** Resolves with {@link ended} once the flood ended. */
  readonly finished: Promise<"all" | Error>;
  #finish!: (how: "all" | Error) => void;

  constructor(total: number) {
    this.total = total;
    this.finished = new Promise((r) => this.#finish = r);
  }

  /** Records how the flood ended. */
  end(how: "all" | Error): void {
    if (this.ended !== undefined) return;
    this.ended = how;
    this.#finish(how);
  }

  /** Records `n` more bytes written. */
  wrote(n: number): void {
    if (n <= 0) return;
    this.written += n;
    this.lastWriteAt = performance.now();
  }
}

/** A flood origin: a listener whose connections each get a {@link Flood}. */
export interface FloodOrigin {
  readonly port: number;
  /** Resolves with the flood of the first connection once it starts. */
  readonly first: Promise<Flood>;
  close(): Promise<void>;
}

/** Options for {@link startFloodOrigin}. */
export interface FloodOriginOptions {
  /** Bytes to write per connection. */
  readonly total: number;
  /**
   * Read an HTTP request head first and answer it with a `200` head whose `Content-Length` is
   * `total`, then the body. @default false (write raw bytes at once)
   */
  readonly http?: boolean;
}

/** A TCP origin on 127.0.0.1:0 that floods each connection (see {@link FloodOriginOptions}). */
export function startFloodOrigin(options: FloodOriginOptions): FloodOrigin {
  let resolveFirst!: (f: Flood) => void;
  const first = new Promise<Flood>((r) => resolveFirst = r);
  const loop = acceptLoop(Deno.listen({ hostname: "127.0.0.1", port: 0 }), async (conn) => {
    if (options.http) {
      await readHead(conn);
      await writeAll(
        conn,
        `HTTP/1.1 200 OK\r\nContent-Length: ${options.total}\r\nContent-Type: application/octet-stream\r\n\r\n`,
      );
    }
    const flood = new Flood(options.total);
    resolveFirst(flood);
    await floodConn(conn, flood);
  });
  return { port: loop.port, first, close: () => loop.close() };
}

/** Writes `flood.total` bytes to `conn` as fast as it accepts them. */
async function floodConn(conn: Deno.Conn, flood: Flood): Promise<void> {
  const chunk = new Uint8Array(FLOOD_CHUNK).fill(0x61);
  try {
    while (flood.written < flood.total) {
      const n = Math.min(chunk.length, flood.total - flood.written);
      flood.wrote(await conn.write(chunk.subarray(0, n)));
    }
    flood.end("all");
  } catch (e) {
    flood.end(e instanceof Error ? e : new Error(String(e)));
  }
}

/**
 * A WebSocket origin (`Deno.serve` on 127.0.0.1:0) that floods each upgraded connection with
 * binary messages of {@link FLOOD_CHUNK} bytes, keeping at most about 1 MiB in its own
 * `bufferedAmount` (a native WebSocket would otherwise queue without end in this process).
 */
export function startWsFloodOrigin(total: number): FloodOrigin {
  const ac = new AbortController();
  let resolveFirst!: (f: Flood) => void;
  const first = new Promise<Flood>((r) => resolveFirst = r);
  const sockets = new Set<WebSocket>();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} },
    (req) => {
      const { socket, response } = Deno.upgradeWebSocket(req, { idleTimeout: 0 });
      sockets.add(socket);
      socket.onopen = () => {
        const flood = new Flood(total);
        resolveFirst(flood);
        floodWs(socket, flood);
      };
      socket.onclose = () => sockets.delete(socket);
      socket.onerror = () => {};
      return response;
    },
  );
  return {
    port: server.addr.port,
    first,
    close: async () => {
      for (const s of sockets) s.close();
      ac.abort();
      await server.finished;
    },
  };
}

/** Sends binary messages while the queue is short; counts what left the queue. */
async function floodWs(ws: WebSocket, flood: Flood): Promise<void> {
  const chunk = new Uint8Array(FLOOD_CHUNK).fill(0x61);
  let sent = 0;
  const update = () => flood.wrote(sent - ws.bufferedAmount - flood.written);
  while (flood.written < flood.total) {
    if (ws.readyState !== WebSocket.OPEN) {
      flood.end(new Error(`the WebSocket closed after ${flood.written} bytes`));
      return;
    }
    if (sent < flood.total && ws.bufferedAmount < WS_QUEUE) {
      const n = Math.min(chunk.length, flood.total - sent);
      ws.send(chunk.subarray(0, n));
      sent += n;
    } else {
      await new Promise((r) => setTimeout(r, WS_POLL_MS));
    }
    update();
  }
  flood.end("all");
}

/**
 * Waits until no write of `flood` completed for `quietMs` (the writer is held back by a reader
 * that does not read) and returns the bytes written by then. Throws if the flood ended first
 * (every byte written: something buffered the lot; or an error: the path broke) or kept
 * writing for `limitMs`.
 */
export async function waitForStall(flood: Flood, quietMs = 1500, limitMs = 30_000) {
  const start = performance.now();
  while (true) {
    if (flood.ended === "all") {
      throw new Error(`the origin wrote all ${flood.total} bytes: the path buffered them`);
    }
    if (flood.ended) {
      throw new Error(`the flood failed after ${flood.written} bytes: ${flood.ended.message}`);
    }
    const now = performance.now();
    const quiet = now - flood.lastWriteAt;
    if (quiet >= quietMs) return flood.written;
    if (now - start > limitMs) {
      throw new Error(`the origin kept writing for ${limitMs} ms (${flood.written} bytes)`);
    }
    // A deadline for a non-event: sleep until the quiet period would be over.
    await new Promise((r) => setTimeout(r, quietMs - quiet + 1));
  }
}

/** The request line and Host header of a GET for `target` (origin-form or absolute-form). */
export function getRequest(target: string, host: string): Uint8Array {
  return encoder.encode(`GET ${target} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
}
