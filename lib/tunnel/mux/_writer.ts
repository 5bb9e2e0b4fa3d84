/**
 * The session's single write loop: every frame goes through it, so frames never interleave on
 * the wire. Control frames (window updates, SYN/ACK/FIN/RST, pings, go-away) go before data.
 * Small frames are batched into one reused buffer per socket write; a large data payload is
 * written straight from the caller's array, which is why a data sender waits until its frame
 * is written (it may reuse its buffer afterwards) — so at most one data frame per stream is
 * ever queued, and the data queue is bounded besides.
 * @module
 */
import { encodeFrameHeader, FRAME_HEADER_SIZE, type FrameHeader } from "./frame.ts";
import { Signal } from "./_signal.ts";

/** What the writer writes to; `Deno.Conn` fits. */
export interface ByteSink {
  write(p: Uint8Array): Promise<number>;
}

/** A frame waiting in the queue. */
export interface OutFrame extends FrameHeader {
  /** Data payload (exactly `length` bytes); absent for control frames. */
  readonly payload?: Uint8Array;
  /** Called once the frame is written, or with the error that stopped the writer. */
  done?: (error?: Error) => void;
}

/** Data frames queued at most; further senders wait for room. */
const DATA_QUEUE_LIMIT = 64;
const BATCH_SIZE = 128 * 1024;
/** Payloads up to this size are copied into the batch; larger ones are written directly. */
const COPY_LIMIT = 16 * 1024;

/** The write loop of one session. */
export class FrameWriter {
  #conn: ByteSink;
  #onError: (error: Error) => void;
  #control: OutFrame[] = [];
  #data: OutFrame[] = [];
  #wake = new Signal();
  #room = new Signal();
  #stopped: Error | null = null;
  #batch = new Uint8Array(BATCH_SIZE);

  /**
   * Starts the loop.
   * @param onError called once if a socket write fails
   */
  constructor(conn: ByteSink, onError: (error: Error) => void) {
    this.#conn = conn;
    this.#onError = onError;
    this.#loop();
  }

  /** Control frames waiting. */
  get controlQueued(): number {
    return this.#control.length;
  }

  /** Queues a control frame without waiting (callers bound how many they create). */
  control(frame: OutFrame): void {
    if (this.#stopped) return frame.done?.(this.#stopped);
    this.#control.push(frame);
    this.#wake.notify();
  }

  /** Queues a control frame and resolves once it is written. */
  controlFlushed(header: FrameHeader): Promise<void> {
    return new Promise((resolve, reject) => {
      this.control({ ...header, done: (error) => error ? reject(error) : resolve() });
    });
  }

  /** Queues a data frame (waiting for room) and resolves once it is written. */
  async data(frame: OutFrame): Promise<void> {
    while (this.#data.length >= DATA_QUEUE_LIMIT && !this.#stopped) await this.#room.wait();
    if (this.#stopped) throw this.#stopped;
    return new Promise((resolve, reject) => {
      frame.done = (error) => error ? reject(error) : resolve();
      this.#data.push(frame);
      this.#wake.notify();
    });
  }

  /**
   * Drops queued data, writes `last` after whatever is being written now, then stops. Resolves
   * when it is written or the writer failed.
   */
  finish(last: FrameHeader): Promise<void> {
    this.#failAll(this.#data, new Error("the session is closing"));
    return this.controlFlushed(last).catch(() => {});
  }

  /** Stops the loop; everything queued fails with `error`. */
  stop(error: Error): void {
    if (this.#stopped) return;
    this.#stopped = error;
    this.#failAll(this.#control, error);
    this.#failAll(this.#data, error);
    this.#wake.notify();
    this.#room.notify();
  }

  #failAll(queue: OutFrame[], error: Error): void {
    const frames = queue.splice(0);
    for (const frame of frames) frame.done?.(error);
  }

  async #loop(): Promise<void> {
    const batch = this.#batch;
    const written: OutFrame[] = [];
    try {
      while (true) {
        while (this.#control.length === 0 && this.#data.length === 0) {
          if (this.#stopped) return;
          await this.#wake.wait();
        }
        if (this.#stopped) return;
        let used = 0;
        while (this.#control.length > 0 && used + FRAME_HEADER_SIZE <= batch.length) {
          const frame = this.#control.shift()!;
          encodeFrameHeader(frame, batch.subarray(used));
          used += FRAME_HEADER_SIZE;
          written.push(frame);
        }
        while (this.#data.length > 0 && used + FRAME_HEADER_SIZE <= batch.length) {
          const frame = this.#data[0];
          const payload = frame.payload!;
          if (payload.length <= COPY_LIMIT) {
            if (used + FRAME_HEADER_SIZE + payload.length > batch.length) break;
            this.#data.shift();
            encodeFrameHeader(frame, batch.subarray(used));
            batch.set(payload, used + FRAME_HEADER_SIZE);
            used += FRAME_HEADER_SIZE + payload.length;
            written.push(frame);
            continue;
          }
          this.#data.shift();
          encodeFrameHeader(frame, batch.subarray(used));
          used += FRAME_HEADER_SIZE;
          written.push(frame);
          // Header and the small frames before it in one write, then the payload itself.
          await this.#writeAll(batch.subarray(0, used));
          used = 0;
          await this.#writeAll(payload);
          break;
        }
        if (used > 0) await this.#writeAll(batch.subarray(0, used));
        for (const frame of written) frame.done?.();
        written.length = 0;
        this.#room.notify();
      }
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      for (const frame of written) frame.done?.(failure);
      if (this.#stopped) return;
      this.stop(failure);
      this.#onError(failure);
    }
  }

  async #writeAll(bytes: Uint8Array): Promise<void> {
    let off = 0;
    while (off < bytes.length) off += await this.#conn.write(bytes.subarray(off));
  }
}
