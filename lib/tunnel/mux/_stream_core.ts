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
  /** The receive window this side grants each stream at first. */
  readonly window: number;
  /** The receive window a stream whose reader keeps up may grow to. */
  readonly maxWindow: number;
  /** Largest data frame this side sends. */
  readonly maxDataFrame: number;
  /** Who the peer is, for protocol errors. */
  readonly peer: ErrorSource;
  /** Queues a data frame (its payload is copied); check `canSendData` first. */
  sendData(frame: OutFrame): void;
  /** True while the session's pending output is below its high-water mark. */
  canSendData(): boolean;
  /** Resolves once `canSendData` may be true again. */
  waitForSendRoom(): Promise<void>;
  /** Queues a control frame without waiting. */
  sendControl(frame: OutFrame): void;
  /** Queues a control frame and resolves once written. */
  sendControlFlushed(frame: OutFrame): Promise<void>;
  /** Forgets the stream (both halves closed, or reset). */
  release(core: StreamCore): void;
  /** The error every operation fails with once the session ended; null while it runs. */
  failure(): MuxError | null;
  /** Takes `bytes` of window growth from the session's budget; false when it has no room. */
  reserveGrowth(bytes: number): boolean;
}

/** A read waiting for bytes; they are copied straight into its buffer as they arrive. */
interface PendingRead {
  /** The reader's buffer: given, or taken from `take` when the first bytes arrive. */
  into: Uint8Array | null;
  take: (() => Uint8Array) | null;
  /** Bytes copied into `into` so far. */
  got: number;
  resolve(n: number | null): void;
  reject(error: unknown): void;
}

function noop(): void {}

/** Byte counts of one stream, for tests and metrics. */
export interface MuxStreamStats {
  /** Received bytes not read yet (never more than one window). */
  readonly buffered: number;
  /** Bytes the peer may still send before the next window update. */
  readonly receiveWindow: number;
  /** Bytes this side may still send. */
  readonly sendWindow: number;
  /** Bytes the user read so far. */
  readonly read: number;
  /** Bytes sent in data frames so far. */
  readonly written: number;
}

/** One stream's state. */
export class StreamCore {
  readonly id: number;
  #host: StreamHost;
  #chunks: Uint8Array[] = [];
  #chunkOffset = 0;
  #buffered = 0;
  #bytesRead = 0;
  #bytesWritten = 0;
  #recvWindow: number;
  /** The receive window granted in all (grows toward the host's maxWindow). */
  #window: number;
  #sendWindow: number;
  /** Made when a writer first waits for send window (an idle stream has none). */
  #writable: Signal | null = null;
  /** The last queued write; null while none is pending (an idle stream holds no promise). */
  #writeChain: Promise<unknown> | null = null;
  /** Writes (and closeWrite) started and not finished: later ones queue behind them. */
  #writesPending = 0;
  /** The read waiting for bytes (at most one; later reads queue behind it). */
  #pending: PendingRead | null = null;
  /** The promise {@link #pending}'s reader holds, for reads that queue behind it. */
  #pendingDone: Promise<unknown> | null = null;
  /** True while this stream is in the list of readers to settle at the end of this tick. */
  #settleQueued = false;
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
    this.#window = host.window;
  }

  get stats(): MuxStreamStats {
    return {
      buffered: this.#buffered,
      receiveWindow: this.#recvWindow,
      sendWindow: this.#sendWindow,
      read: this.#bytesRead,
      written: this.#bytesWritten,
    };
  }

  /** The receive window the peer may still fill (checked before reading a payload). */
  get receiveWindow(): number {
    return this.#recvWindow;
  }

  /** Bytes this stream's window grew beyond the session's initial window (given back at release). */
  get grown(): number {
    return this.#window - this.#host.window;
  }

  /** True once the stream left its session (both FINs, or a reset). */
  get released(): boolean {
    return this.#released;
  }

  /** The window delta to announce now, counted as granted (0 = nothing worth sending). */
  takeWindowDelta(force: boolean): number {
    const delta = this.#window - this.#buffered - this.#recvWindow;
    if (delta <= 0 || (!force && delta < this.#window / 2)) return 0;
    this.#recvWindow += delta;
    return delta;
  }

  // ---- frames from the peer (called by the session's read loop) ----

  /**
   * Payload bytes of a data frame (the frame's length was checked against the window; a frame
   * may arrive in several pieces). `piece` is only valid during the call: it is copied into a
   * waiting reader's buffer, and what does not fit is copied into the queue.
   */
  onData(piece: Uint8Array): void {
    if (this.#remoteFin) {
      throw new MuxProtocolError(`data after FIN on stream ${this.id}`, {
        source: this.#host.peer,
      });
    }
    this.#recvWindow -= piece.length;
    if (this.#reset || this.#userClosed) return;
    let taken = 0;
    const pending = this.#pending;
    if (pending !== null && this.#buffered === 0) {
      const into = pending.into ??= pending.take!();
      taken = Math.min(into.length - pending.got, piece.length);
      if (taken > 0) {
        into.set(taken === piece.length ? piece : piece.subarray(0, taken), pending.got);
        pending.got += taken;
      }
      // Settled once this tick's frames are dispatched: more of them may fill the buffer.
      if (!this.#settleQueued) {
        this.#settleQueued = true;
        if (StreamCore.#toSettle.push(this) === 1) queueMicrotask(StreamCore.#settleQueuedReads);
      }
    }
    if (taken < piece.length) {
      this.#chunks.push(piece.slice(taken));
      this.#buffered += piece.length - taken;
    }
  }

  onWindowUpdate(delta: number): void {
    this.#sendWindow += delta;
    if (this.#sendWindow > MAX_UINT32) {
      throw new MuxProtocolError(`send window of stream ${this.id} overflows 32 bits`, {
        source: this.#host.peer,
      });
    }
    this.#writable?.notify();
  }

  onFin(): void {
    if (this.#remoteFin) {
      throw new MuxProtocolError(`second FIN on stream ${this.id}`, { source: this.#host.peer });
    }
    this.#remoteFin = true;
    this.#wakeReader();
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

  /**
   * Reads into `into`: buffered bytes at once, else waits; bytes arriving meanwhile are copied
   * straight into `into`. Resolves to 0 for an empty `into` once bytes are buffered.
   */
  read(into: Uint8Array): Promise<number | null> {
    return this.#read(into, null);
  }

  /**
   * Reads without lending a buffer while waiting: `take()` is called for one only once bytes
   * are there (at most once per read); they are placed at its start.
   */
  readLazy(take: () => Uint8Array): Promise<number | null> {
    return this.#read(null, take);
  }

  #read(into: Uint8Array | null, take: (() => Uint8Array) | null): Promise<number | null> {
    if (this.#pending !== null) {
      // Another read is waiting: this one starts after it.
      const again = () => this.#read(into, take);
      return this.#pendingDone!.then(again, again);
    }
    const read: PendingRead = { into, take, got: 0, resolve: noop, reject: noop };
    let now;
    try {
      now = this.#readNow(read);
    } catch (error) {
      return Promise.reject(error);
    }
    if (now !== undefined) return Promise.resolve(now);
    const done = new Promise<number | null>((resolve, reject) => {
      read.resolve = resolve;
      read.reject = reject;
    });
    this.#pending = read;
    this.#pendingDone = done;
    return done;
  }

  /**
   * What `read` can answer without waiting: bytes (buffered ones, or those copied into its
   * buffer as they arrived), null at the end, undefined to wait on.
   * @throws MuxError when the stream was closed or reset, or the session ended
   */
  #readNow(read: PendingRead): number | null | undefined {
    let n = read.got;
    if (n === 0) {
      this.#checkOpen();
      if (this.#buffered === 0) {
        if (this.#remoteFin) return null;
        const failure = this.#host.failure();
        if (failure) throw failure;
        return undefined;
      }
    }
    const into = read.into ??= read.take!();
    if (n < into.length) n += this.#copyOut(n === 0 ? into : into.subarray(n));
    this.#bytesRead += n;
    if (!this.#remoteFin) {
      // The reader took everything while the peer used up most of the window: the window,
      // not the reader, limits this stream (a bulk transfer), so it grows.
      if (
        this.#buffered === 0 && this.#recvWindow < this.#window / 2 &&
        this.#window < this.#host.maxWindow
      ) {
        const next = Math.min(this.#host.maxWindow, this.#window * 2);
        if (this.#host.reserveGrowth(next - this.#window)) this.#window = next;
      }
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

  /** Settles the waiting read if it can be answered now (bytes, the end, or a failure). */
  #wakeReader(): void {
    const read = this.#pending;
    if (read === null) return;
    let now;
    try {
      now = this.#readNow(read);
    } catch (error) {
      this.#pending = this.#pendingDone = null;
      read.reject(error);
      return;
    }
    if (now === undefined) return;
    this.#pending = this.#pendingDone = null;
    read.resolve(now);
  }

  /** Streams that got bytes for a waiting read during this tick. */
  static #toSettle: StreamCore[] = [];

  /** Settles the reads of {@link #toSettle} (a microtask, after the frames of one read). */
  static #settleQueuedReads(): void {
    const cores = StreamCore.#toSettle;
    StreamCore.#toSettle = [];
    for (const core of cores) {
      core.#settleQueued = false;
      core.#wakeReader();
    }
  }

  write(bytes: Uint8Array): Promise<number> {
    let off = 0;
    if (this.#writesPending === 0) {
      // Fast path: the window and the session's output have room for everything now.
      try {
        off = this.#sendNow(bytes, 0);
      } catch (error) {
        return Promise.reject(error);
      }
      if (off === bytes.length) return Promise.resolve(bytes.length);
    }
    return this.#queueWrite(() => this.#writeAll(bytes, off));
  }

  closeWrite(): Promise<void> {
    return this.#queueWrite(() => this.#sendFin());
  }

  #queueWrite<T>(task: () => Promise<T>): Promise<T> {
    this.#writesPending++;
    const run = (this.#writeChain ?? Promise.resolve()).then(task).finally(() => {
      if (--this.#writesPending === 0) this.#writeChain = null;
    });
    this.#writeChain = run.catch(noop);
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

  async #writeAll(bytes: Uint8Array, from: number): Promise<number> {
    let off = from;
    while (true) {
      off = this.#sendNow(bytes, off);
      if (off === bytes.length) return bytes.length;
      if (this.#sendWindow === 0) await (this.#writable ??= new Signal()).wait();
      else await this.#host.waitForSendRoom();
    }
  }

  /**
   * Sends `bytes` from `off` while the window and the session's output allow, without waiting.
   * @returns the offset reached
   */
  #sendNow(bytes: Uint8Array, off: number): number {
    while (off < bytes.length) {
      this.#checkOpen();
      if (this.#localFin) {
        throw new MuxError("closed", `stream ${this.id} is closed for writing`);
      }
      const failure = this.#host.failure();
      if (failure) throw failure;
      if (this.#sendWindow === 0 || !this.#host.canSendData()) return off;
      const n = Math.min(this.#sendWindow, bytes.length - off, this.#host.maxDataFrame);
      this.#sendWindow -= n;
      this.#bytesWritten += n;
      this.#host.sendData({
        type: FrameType.DATA,
        flags: 0,
        streamId: this.id,
        length: n,
        payload: n === bytes.length ? bytes : bytes.subarray(off, off + n),
      });
      off += n;
    }
    return off;
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
    this.#wakeReader();
    this.#writable?.notify();
  }

  #release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#host.release(this);
  }
}
