/**
 * The state of one stream, shared by its session (which feeds it received frames) and its
 * {@link MuxStream} (the user's handle): the receive buffer bounded by the receive window,
 * the send window writers wait on, and the half-close/reset state.
 * @module
 */
import type { ErrorSource } from "../../net/protocol_error.ts";
import { FrameFlag, FrameType, MAX_UINT32, MuxProtocolError } from "./frame.ts";
import type { OutFrame } from "./_writer.ts";
import { MuxError } from "./errors.ts";
import { Signal } from "./_signal.ts";

/** What a stream needs from its session. */
export interface StreamHost {
  /** The receive window this side grants each stream. */
  readonly window: number;
  /** Largest data frame this side sends. */
  readonly maxDataFrame: number;
  /** Who the peer is, for protocol errors. */
  readonly peer: ErrorSource;
  /** Queues a data frame and resolves once written. */
  sendData(frame: OutFrame): Promise<void>;
  /** Queues a control frame without waiting. */
  sendControl(frame: OutFrame): void;
  /** Queues a control frame and resolves once written. */
  sendControlFlushed(frame: OutFrame): Promise<void>;
  /** Forgets the stream (both halves closed, or reset). */
  release(core: StreamCore): void;
  /** The error every operation fails with once the session ended; null while it runs. */
  failure(): MuxError | null;
}

/** Byte counts of one stream, for tests and metrics. */
export interface MuxStreamStats {
  /** Received bytes not read yet (never more than one window). */
  readonly buffered: number;
  /** Bytes the peer may still send before the next window update. */
  readonly receiveWindow: number;
  /** Bytes this side may still send. */
  readonly sendWindow: number;
}

/** One stream's state. */
export class StreamCore {
  readonly id: number;
  #host: StreamHost;
  #chunks: Uint8Array[] = [];
  #chunkOffset = 0;
  #buffered = 0;
  #recvWindow: number;
  #sendWindow: number;
  #readable = new Signal();
  #writable = new Signal();
  #writeChain: Promise<unknown> = Promise.resolve();
  #localFin = false;
  #remoteFin = false;
  #reset: MuxError | null = null;
  #userClosed = false;
  #released = false;
  /** An opened stream whose ACK (or RST) has not arrived yet. */
  awaitingAck: boolean;

  constructor(id: number, host: StreamHost, outbound: boolean, initialWindow: number) {
    this.id = id;
    this.#host = host;
    this.awaitingAck = outbound;
    this.#recvWindow = initialWindow;
    this.#sendWindow = initialWindow;
  }

  get stats(): MuxStreamStats {
    return {
      buffered: this.#buffered,
      receiveWindow: this.#recvWindow,
      sendWindow: this.#sendWindow,
    };
  }

  /** The receive window the peer may still fill (checked before reading a payload). */
  get receiveWindow(): number {
    return this.#recvWindow;
  }

  /** True once the stream left its session (both FINs, or a reset). */
  get released(): boolean {
    return this.#released;
  }

  /** The window delta to announce now, counted as granted (0 = nothing worth sending). */
  takeWindowDelta(force: boolean): number {
    const delta = this.#host.window - this.#buffered - this.#recvWindow;
    if (delta <= 0 || (!force && delta < this.#host.window / 2)) return 0;
    this.#recvWindow += delta;
    return delta;
  }

  // ---- frames from the peer (called by the session's read loop) ----

  /** Payload of a data frame (length already checked against the window). */
  onData(chunk: Uint8Array): void {
    if (this.#remoteFin) {
      throw new MuxProtocolError(`data after FIN on stream ${this.id}`, {
        source: this.#host.peer,
      });
    }
    this.#recvWindow -= chunk.length;
    if (this.#reset || this.#userClosed) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    this.#readable.notify();
  }

  onWindowUpdate(delta: number): void {
    this.#sendWindow += delta;
    if (this.#sendWindow > MAX_UINT32) {
      throw new MuxProtocolError(`send window of stream ${this.id} overflows 32 bits`, {
        source: this.#host.peer,
      });
    }
    this.#writable.notify();
  }

  onFin(): void {
    if (this.#remoteFin) {
      throw new MuxProtocolError(`second FIN on stream ${this.id}`, { source: this.#host.peer });
    }
    this.#remoteFin = true;
    this.#readable.notify();
    if (this.#localFin) this.#release();
  }

  onReset(): void {
    if (this.#reset) return;
    this.#reset = new MuxError("reset", `stream ${this.id} was reset by the peer`);
    this.#dropBuffer();
    this.#wakeAll();
    this.#release();
  }

  /** The session ended: wake everyone so they see the failure. */
  onSessionEnd(): void {
    this.#wakeAll();
  }

  // ---- the user's side (called through MuxStream) ----

  async read(into: Uint8Array): Promise<number | null> {
    while (true) {
      this.#checkOpen();
      if (this.#buffered > 0) break;
      if (this.#remoteFin) return null;
      const failure = this.#host.failure();
      if (failure) throw failure;
      await this.#readable.wait();
    }
    if (into.length === 0) return 0;
    const n = this.#copyOut(into);
    if (!this.#remoteFin) {
      const delta = this.takeWindowDelta(false);
      if (delta > 0) {
        this.#host.sendControl({
          type: FrameType.WINDOW_UPDATE,
          flags: 0,
          streamId: this.id,
          length: delta,
        });
      }
    }
    return n;
  }

  write(bytes: Uint8Array): Promise<number> {
    const run = this.#writeChain.then(() => this.#writeAll(bytes));
    this.#writeChain = run.catch(() => {});
    return run;
  }

  closeWrite(): Promise<void> {
    const run = this.#writeChain.then(() => this.#sendFin());
    this.#writeChain = run.catch(() => {});
    return run;
  }

  close(): void {
    if (this.#userClosed) return;
    this.#userClosed = true;
    if (this.#reset || this.#released || this.#host.failure()) {
      this.#dropBuffer();
      this.#wakeAll();
      this.#release();
      return;
    }
    if (this.#remoteFin && this.#buffered === 0) {
      // Like TCP: everything was read, so finish gracefully.
      if (!this.#localFin) {
        this.#localFin = true;
        this.#host.sendControl(this.#header(FrameFlag.FIN));
      }
    } else {
      this.#host.sendControl(this.#header(FrameFlag.RST));
      this.#dropBuffer();
    }
    this.#wakeAll();
    this.#release();
  }

  #checkOpen(): void {
    if (this.#userClosed) throw new MuxError("closed", `stream ${this.id} is closed`);
    if (this.#reset) throw this.#reset;
  }

  async #writeAll(bytes: Uint8Array): Promise<number> {
    let off = 0;
    while (off < bytes.length) {
      this.#checkOpen();
      if (this.#localFin) {
        throw new MuxError("closed", `stream ${this.id} is closed for writing`);
      }
      const failure = this.#host.failure();
      if (failure) throw failure;
      if (this.#sendWindow === 0) {
        await this.#writable.wait();
        continue;
      }
      const n = Math.min(this.#sendWindow, bytes.length - off, this.#host.maxDataFrame);
      this.#sendWindow -= n;
      await this.#host.sendData({
        type: FrameType.DATA,
        flags: 0,
        streamId: this.id,
        length: n,
        payload: bytes.subarray(off, off + n),
      });
      off += n;
    }
    return bytes.length;
  }

  async #sendFin(): Promise<void> {
    if (this.#localFin || this.#reset || this.#userClosed || this.#host.failure()) return;
    this.#localFin = true;
    await this.#host.sendControlFlushed(this.#header(FrameFlag.FIN));
    if (this.#remoteFin) this.#release();
  }

  #header(flags: number): OutFrame {
    return { type: FrameType.WINDOW_UPDATE, flags, streamId: this.id, length: 0 };
  }

  #copyOut(into: Uint8Array): number {
    let n = 0;
    while (n < into.length && this.#chunks.length > 0) {
      const chunk = this.#chunks[0];
      const take = Math.min(into.length - n, chunk.length - this.#chunkOffset);
      into.set(chunk.subarray(this.#chunkOffset, this.#chunkOffset + take), n);
      n += take;
      this.#chunkOffset += take;
      if (this.#chunkOffset === chunk.length) {
        this.#chunks.shift();
        this.#chunkOffset = 0;
      }
    }
    this.#buffered -= n;
    return n;
  }

  #dropBuffer(): void {
    this.#chunks.length = 0;
    this.#chunkOffset = 0;
    this.#buffered = 0;
  }

  #wakeAll(): void {
    this.#readable.notify();
    this.#writable.notify();
  }

  #release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#host.release(this);
  }
}
