import { COPY_BUFFER_SIZE, releaseBuffer, takeBuffer } from "../net/buffer_pool.ts";
import { AdaptiveBuffer } from "../net/read_buffer.ts";
import { fastReader, safeClose } from "../net/relay.ts";
import { startInterval, startTimer, stopTimer } from "../net/timer.ts";
import { writeAll } from "../net/write.ts";
import { noDelay } from "../http/no_delay.ts";

/** Options for {@link bridge}. */
export interface BridgeOptions {
  /**
   * Reading from the TCP side pauses while the WebSocket has more than this many bytes queued
   * to send (`bufferedAmount`), and resumes once it is below half. @default 1048576
   */
  highWaterMark?: number;
  /**
   * Bytes of received messages waiting to be written to the TCP side at most; past it the
   * bridge closes both sides (a native WebSocket cannot pause receiving). @default 16777216
   */
  maxPending?: number;
  /** Close both sides after this many milliseconds with no byte either way; 0 = never. @default 0 */
  idleTimeout?: number;
}

/** What a finished bridge did. */
export interface BridgeResult {
  /** Bytes read from TCP and sent as binary messages. */
  readonly sent: number;
  /** Bytes of messages received and written to TCP. */
  readonly received: number;
  /**
   * Why it ended: the TCP side ended (`tcp_eof`), the WebSocket closed (`ws_close`), a read,
   * write or the WebSocket failed (`error`), nothing moved (`idle`), or the TCP side could not
   * keep up with the messages (`overflow`).
   */
  readonly reason: "tcp_eof" | "ws_close" | "error" | "idle" | "overflow";
}

const HIGH_WATER_MARK = 1024 * 1024;
const MAX_PENDING = 16 * 1024 * 1024;
/** `bufferedAmount` has no event: while paused it is polled this often (ms). */
const DRAIN_POLL_MS = 2;
/** How long a TCP end of stream waits for queued messages to leave before closing (ms). */
const FLUSH_LIMIT_MS = 5000;
const encoder = new TextEncoder();

/**
 * Joins a WebSocket (connecting or open) and a TCP connection until either ends: each TCP read
 * becomes one binary message, each message (binary, or text as UTF-8) becomes bytes on TCP.
 * The end of either side closes the other — after the bytes already received were written
 * (a WebSocket has no half-close) — and both are closed when it resolves. It never throws.
 *
 * Backpressure: TCP reads pause while `bufferedAmount` is over `highWaterMark`. A native
 * WebSocket keeps receiving while TCP writes are pending, so messages queue up to
 * `maxPending` bytes; beyond that the bridge gives up (`overflow`).
 */
export function bridge(
  ws: WebSocket,
  conn: Deno.Conn,
  options: BridgeOptions = {},
): Promise<BridgeResult> {
  return new Bridge(ws, conn, options).run();
}

class Bridge {
  #ws: WebSocket;
  #conn: Deno.Conn;
  #hwm: number;
  #maxPending: number;
  #idle: number;
  #sent = 0;
  #received = 0;
  #active = false;
  #queue: Uint8Array[] = [];
  #pending = 0;
  #writing = false;
  #wsClosed = false;
  #done = false;
  #timer: ReturnType<typeof startInterval>;
  #resolve: (r: BridgeResult) => void = () => {};

  constructor(ws: WebSocket, conn: Deno.Conn, options: BridgeOptions) {
    this.#ws = ws;
    this.#conn = conn;
    this.#hwm = options.highWaterMark ?? HIGH_WATER_MARK;
    this.#maxPending = options.maxPending ?? MAX_PENDING;
    this.#idle = options.idleTimeout ?? 0;
  }

  run(): Promise<BridgeResult> {
    const ws = this.#ws;
    // Messages are already framed by the peer: each goes out at once, not after a delayed ACK.
    noDelay(this.#conn);
    ws.binaryType = "arraybuffer";
    const done = new Promise<BridgeResult>((resolve) => this.#resolve = resolve);
    ws.onmessage = (e) => this.#message(e.data);
    ws.onclose = () => this.#closed();
    ws.onerror = () => this.#finish("error");
    if (ws.readyState === WebSocket.OPEN) this.#pump();
    else if (ws.readyState === WebSocket.CONNECTING) ws.onopen = () => this.#pump();
    else this.#finish("ws_close");
    if (this.#idle > 0) this.#timer = startInterval(() => this.#checkIdle(), this.#idle);
    return done;
  }

  #message(data: ArrayBuffer | string): void {
    if (this.#done) return;
    const bytes = typeof data === "string" ? encoder.encode(data) : new Uint8Array(data);
    this.#active = true;
    this.#pending += bytes.length;
    if (this.#pending > this.#maxPending) return this.#finish("overflow");
    this.#queue.push(bytes);
    if (!this.#writing) this.#write();
  }

  /**
   * Writes queued messages to TCP in order; small messages that queued up behind a write go
   * out together in one write (up to a copy buffer's size).
   */
  async #write(): Promise<void> {
    this.#writing = true;
    let batch: Uint8Array | undefined;
    try {
      while (this.#queue.length > 0) {
        let out = this.#queue.shift()!;
        if (this.#queue.length > 0 && out.length + this.#queue[0].length <= COPY_BUFFER_SIZE) {
          batch ??= takeBuffer();
          batch.set(out);
          let n = out.length;
          while (this.#queue.length > 0 && n + this.#queue[0].length <= batch.length) {
            const next = this.#queue.shift()!;
            batch.set(next, n);
            n += next.length;
          }
          out = batch.subarray(0, n);
        }
        await writeAll(this.#conn, out);
        this.#pending -= out.length;
        this.#received += out.length;
      }
    } catch {
      return this.#finish("error");
    } finally {
      this.#writing = false;
      if (batch !== undefined) releaseBuffer(batch);
    }
    if (this.#wsClosed) this.#finish("ws_close");
  }

  #closed(): void {
    this.#wsClosed = true;
    if (!this.#writing) this.#finish("ws_close");
  }

  /** Reads TCP into a reused (adaptive) buffer; each read goes out as one binary message. */
  async #pump(): Promise<void> {
    const read = fastReader(this.#conn);
    const buffer = new AdaptiveBuffer();
    const ws = this.#ws;
    try {
      while (!this.#done) {
        const buf = buffer.current;
        const n = await read(buf);
        if (!n) return this.#finish("tcp_eof");
        this.#active = true;
        this.#sent += n;
        // Deno copies the bytes when the frame is queued, so the buffer can be reused.
        ws.send(buf.subarray(0, n));
        buffer.update(n);
        if (ws.bufferedAmount > this.#hwm) await this.#drained();
      }
    } catch {
      this.#finish("error");
    } finally {
      buffer.release();
    }
  }

  /** Resolves once `bufferedAmount` is below half the high-water mark (or the bridge ended). */
  #drained(): Promise<void> {
    const low = this.#hwm / 2;
    return new Promise((resolve) => {
      const check = () => {
        if (this.#done || this.#ws.bufferedAmount <= low) resolve();
        else startTimer(check, DRAIN_POLL_MS);
      };
      startTimer(check, DRAIN_POLL_MS);
    });
  }

  #checkIdle(): void {
    if (this.#active) this.#active = false;
    else this.#finish("idle");
  }

  #finish(reason: BridgeResult["reason"]): void {
    if (this.#done) return;
    this.#done = true;
    stopTimer(this.#timer);
    const ws = this.#ws;
    ws.onmessage =
      ws.onopen =
      ws.onerror =
      ws.onclose =
        null;
    safeClose(this.#conn);
    if (reason === "tcp_eof") this.#flushThenClose();
    else closeQuietly(ws, reason);
    this.#resolve({ sent: this.#sent, received: this.#received, reason });
  }

  /** Lets the messages already queued leave before the close frame (bounded wait). */
  #flushThenClose(): void {
    const ws = this.#ws;
    const deadline = Date.now() + FLUSH_LIMIT_MS;
    const check = () => {
      if (ws.bufferedAmount === 0 || Date.now() > deadline) closeQuietly(ws, "tcp_eof");
      else startTimer(check, DRAIN_POLL_MS);
    };
    check();
  }
}

function closeQuietly(ws: WebSocket, reason: string): void {
  if (ws.readyState === WebSocket.CLOSED || ws.readyState === WebSocket.CLOSING) return;
  try {
    ws.close(1000, reason === "ws_close" ? undefined : reason);
  } catch {
    // a connecting socket that failed
  }
}
