/**
 * The session's writer: every frame is encoded (header and payload) into one pending buffer in
 * the order it was sent, so frames never interleave on the wire and a stream's FIN always
 * follows its data. The buffer is written with one socket write once the current burst of work
 * is done (a `setImmediate` hop, so frames queued together — e.g. by many streams woken by
 * one read — leave together), and again at once whenever more piled up during a write. A data
 * sender never waits for the socket unless the pending bytes passed a high-water mark; control
 * frames never wait (their number is bounded by the callers).
 * @module
 */
import { setImmediate } from "node:timers";
import { encodeFrameHeader, FRAME_HEADER_SIZE, type FrameHeader } from "./frame.ts";
import { Signal } from "./_signal.ts";

/** What the writer writes to; `Deno.Conn` fits. */
export interface ByteSink {
  write(p: Uint8Array): Promise<number>;
}

/** A frame to send. */
export interface OutFrame extends FrameHeader {
  /** Data payload (exactly `length` bytes); absent for control frames. */
  readonly payload?: Uint8Array;
}

/** Data senders wait while this many bytes are pending. */
const HIGH_WATER = 256 * 1024;
const INITIAL_SIZE = 64 * 1024;

interface Flushed {
  /** Resolved once this many bytes (counted since the start) were written. */
  readonly at: number;
  resolve(): void;
  reject(error: Error): void;
}

/** The write side of one session. */
export class FrameWriter {
  #conn: ByteSink;
  #onError: (error: Error) => void;
  #pending = new Uint8Array(INITIAL_SIZE);
  #spare = new Uint8Array(INITIAL_SIZE);
  #used = 0;
  #controls = 0;
  /** Bytes ever queued / ever written, for {@link controlFlushed}. */
  #queuedTotal = 0;
  #writtenTotal = 0;
  #flushed: Flushed[] = [];
  #writing = false;
  #scheduled = false;
  #room = new Signal();
  #stopped: Error | null = null;

  /**
   * @param onError called once if a socket write fails
   */
  constructor(conn: ByteSink, onError: (error: Error) => void) {
    this.#conn = conn;
    this.#onError = onError;
  }

  /** Control frames pending (not handed to the socket yet). */
  get controlQueued(): number {
    return this.#controls;
  }

  /** True when a data frame may be queued now without passing the high-water mark. */
  get hasRoom(): boolean {
    return this.#used < HIGH_WATER || this.#stopped !== null;
  }

  /** Queues a control frame without waiting (callers bound how many they create). */
  control(frame: FrameHeader): void {
    if (this.#stopped) return;
    this.#append(frame, undefined);
  }

  /** Queues a control frame and resolves once it is written. */
  controlFlushed(header: FrameHeader): Promise<void> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    this.#append(header, undefined);
    return new Promise((resolve, reject) => {
      this.#flushed.push({ at: this.#queuedTotal, resolve, reject });
    });
  }

  /**
   * Queues a data frame; the payload is copied, so the caller may reuse it at once. Check
   * {@link hasRoom} first (or wait with {@link waitForRoom}).
   * @throws the error that stopped the writer
   */
  data(frame: OutFrame): void {
    if (this.#stopped) throw this.#stopped;
    this.#append(frame, frame.payload);
  }

  /** Resolves once {@link hasRoom} may be true (re-check it). */
  waitForRoom(): Promise<void> {
    return this.#room.wait();
  }

  /**
   * Drops frames not handed to the socket yet, writes `last` after whatever is being written
   * now, then stops. Resolves when it is written or the writer failed.
   */
  finish(last: FrameHeader): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    this.#queuedTotal -= this.#used;
    this.#used = 0;
    this.#controls = 0;
    const dropped = new Error("the session is closing");
    const flushed = this.#flushed.filter((entry) => entry.at > this.#queuedTotal);
    this.#flushed = this.#flushed.filter((entry) => entry.at <= this.#queuedTotal);
    for (const entry of flushed) entry.reject(dropped);
    return this.controlFlushed(last).catch(() => {});
  }

  /** Stops writing; whatever is pending is dropped and waiters fail with `error`. */
  stop(error: Error): void {
    if (this.#stopped) return;
    this.#stopped = error;
    this.#used = 0;
    this.#controls = 0;
    const flushed = this.#flushed.splice(0);
    for (const entry of flushed) entry.reject(error);
    this.#room.notify();
  }

  #append(header: FrameHeader, payload: Uint8Array | undefined): void {
    const size = FRAME_HEADER_SIZE + (payload?.length ?? 0);
    if (this.#used + size > this.#pending.length) this.#grow(this.#used + size);
    const buf = this.#pending;
    encodeFrameHeader(header, buf.subarray(this.#used));
    if (payload) buf.set(payload, this.#used + FRAME_HEADER_SIZE);
    this.#used += size;
    this.#queuedTotal += size;
    if (!payload) this.#controls++;
    if (!this.#writing && !this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  #grow(need: number): void {
    let size = this.#pending.length * 2;
    while (size < need) size *= 2;
    const bigger = new Uint8Array(size);
    bigger.set(this.#pending.subarray(0, this.#used));
    this.#pending = bigger;
  }

  async #flush(): Promise<void> {
    this.#scheduled = false;
    if (this.#writing) return;
    this.#writing = true;
    try {
      while (this.#used > 0 && !this.#stopped) {
        const out = this.#pending;
        const length = this.#used;
        // Frames sent during the write go to the other buffer.
        this.#pending = this.#spare;
        this.#spare = out;
        this.#used = 0;
        this.#controls = 0;
        this.#room.notify();
        let off = 0;
        while (off < length) off += await this.#conn.write(out.subarray(off, length));
        this.#writtenTotal += length;
        this.#spare = shrink(out);
        this.#settle();
      }
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      if (this.#stopped) return;
      this.stop(failure);
      this.#onError(failure);
    } finally {
      this.#writing = false;
    }
  }

  #settle(): void {
    let done = 0;
    while (done < this.#flushed.length && this.#flushed[done].at <= this.#writtenTotal) done++;
    if (done === 0) return;
    for (const entry of this.#flushed.splice(0, done)) entry.resolve();
  }
}

/** A buffer that grew for one large burst goes back to the usual size. */
function shrink(buf: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  return buf.length > 4 * HIGH_WATER ? new Uint8Array(INITIAL_SIZE) : buf;
}
