import type { BridgeResult } from "./bridge.ts";
import { AdaptiveBuffer } from "../net/read_buffer.ts";
import { fastReader, safeClose } from "../net/relay.ts";
import { startInterval, stopTimer } from "../net/timer.ts";
import { writeAll } from "../net/write.ts";
import { noDelay } from "../http/no_delay.ts";

/** Options for {@link bridgeStream}. */
export interface StreamBridgeOptions {
  /** Close both sides after this many milliseconds with no byte either way; 0 = never. @default 0 */
  idleTimeout?: number;
}

const encoder = new TextEncoder();

/**
 * Joins an open `WebSocketStream` and a TCP connection until either ends, like `bridge` but
 * with backpressure both ways: a message is read from the WebSocket only once the previous one
 * was written to TCP, and TCP is read again only once the last message was sent. A reader that
 * stops reading so holds the writer on the far side back instead of filling this process's
 * memory: each direction holds one TCP read (at most a copy buffer, 64 KiB) or one message.
 * Each TCP read becomes one binary message; each message (binary, or text as UTF-8)
 * becomes bytes on TCP. Both are closed when it resolves; it never throws.
 */
export function bridgeStream(
  ws: WebSocketStream,
  opened: WebSocketConnection,
  conn: Deno.Conn,
  options: StreamBridgeOptions = {},
): Promise<BridgeResult> {
  return new StreamBridge(ws, opened, conn).run(options.idleTimeout ?? 0);
}

class StreamBridge {
  #ws: WebSocketStream;
  #opened: WebSocketConnection;
  #conn: Deno.Conn;
  #sent = 0;
  #received = 0;
  #active = false;
  #done = false;
  #timer: ReturnType<typeof startInterval>;
  #resolve: (r: BridgeResult) => void = () => {};

  constructor(ws: WebSocketStream, opened: WebSocketConnection, conn: Deno.Conn) {
    this.#ws = ws;
    this.#opened = opened;
    this.#conn = conn;
  }

  run(idle: number): Promise<BridgeResult> {
    // Messages are already framed by the peer: each goes out at once, not after a delayed ACK.
    noDelay(this.#conn);
    const done = new Promise<BridgeResult>((resolve) => this.#resolve = resolve);
    this.#ws.closed.catch(() => {});
    if (idle > 0) this.#timer = startInterval(() => this.#checkIdle(), idle);
    this.#tcpToWs();
    this.#wsToTcp();
    return done;
  }

  /** Reads TCP into a reused (adaptive) buffer; each read is sent, and awaited, as one message. */
  async #tcpToWs(): Promise<void> {
    const read = fastReader(this.#conn);
    const buffer = new AdaptiveBuffer();
    const writer = this.#opened.writable.getWriter();
    try {
      while (!this.#done) {
        const buf = buffer.current;
        const n = await read(buf);
        if (!n) return this.#finish("tcp_eof");
        this.#active = true;
        this.#sent += n;
        // Resolves once the frame was written: only then is the buffer reused or TCP read again.
        await writer.write(buf.subarray(0, n));
        buffer.update(n);
      }
    } catch {
      this.#finish("error");
    } finally {
      buffer.release();
    }
  }

  /** Reads one message at a time and writes it to TCP before asking for the next. */
  async #wsToTcp(): Promise<void> {
    const reader = this.#opened.readable.getReader();
    try {
      while (!this.#done) {
        const r = await reader.read();
        if (r.done) return this.#finish("ws_close");
        const bytes = typeof r.value === "string" ? encoder.encode(r.value) : r.value;
        this.#active = true;
        await writeAll(this.#conn, bytes);
        this.#received += bytes.length;
      }
    } catch {
      this.#finish("error");
    }
  }

  #checkIdle(): void {
    if (this.#active) this.#active = false;
    else this.#finish("idle");
  }

  #finish(reason: BridgeResult["reason"]): void {
    if (this.#done) return;
    this.#done = true;
    stopTimer(this.#timer);
    safeClose(this.#conn);
    try {
      // Every message received was written and every TCP read sent: nothing left to flush.
      // Deno 2.9 reads `closeCode` while its types name it `code`: both are given.
      const info = { code: 1000, closeCode: 1000, reason: reason === "ws_close" ? "" : reason };
      this.#ws.close(info);
    } catch {
      // closed already
    }
    this.#resolve({ sent: this.#sent, received: this.#received, reason });
  }
}
