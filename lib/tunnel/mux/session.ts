/**
 * A yamux session: many {@link MuxStream}s over one reliable connection (TCP or TLS), framed per
 * HashiCorp's yamux spec so either side may be another yamux implementation. One read loop
 * dispatches frames; one write loop serialises them; per-stream windows keep a stalled stream
 * from delaying the others and bound what each side buffers to one window per stream.
 * @module
 */
import type { ErrorSource } from "../../net/protocol_error.ts";
import {
  FrameFlag,
  type FrameHeader,
  FrameType,
  GoAwayCode,
  INITIAL_STREAM_WINDOW,
  MAX_UINT32,
  MuxProtocolError,
} from "./frame.ts";
import { MuxError } from "./errors.ts";
import { FrameReader } from "./_reader.ts";
import { FrameWriter, type OutFrame } from "./_writer.ts";
import { StreamCore, type StreamHost } from "./_stream_core.ts";
import { Keepalive } from "./_keepalive.ts";
import { Signal } from "./_signal.ts";
import { MuxStream } from "./stream.ts";

/** The connection a session runs over; `Deno.Conn` (TCP or TLS) fits. */
export interface MuxTransport {
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
  close(): void;
}

/** Options for {@link MuxSession}. */
export interface MuxSessionOptions {
  /** Client sessions open odd stream ids, server sessions even ones. */
  readonly role: "client" | "server";
  /** ms between keepalive pings; 0 turns keepalive off. @default 30000 */
  readonly keepAliveInterval?: number;
  /** ms without an answer (or any frame) after a ping before the peer counts as dead. @default 10000 */
  readonly keepAliveTimeout?: number;
  /** Open streams at most, both directions together; more inbound ones are refused (RST). @default 4096 */
  readonly maxStreams?: number;
  /**
   * Inbound streams waiting for `accept()` at most (more are refused), and outbound streams
   * waiting for the peer's ACK at most (`open()` waits). @default 256
   */
  readonly acceptBacklog?: number;
  /** Receive window per stream in bytes, at least 256 KiB (larger is announced with SYN/ACK). @default 262144 */
  readonly streamWindow?: number;
  /**
   * A stream's receive window grows up to this many bytes (doubling) while its reader keeps
   * up with a sender that is using up the window; a stream whose reader lags keeps
   * `streamWindow`. Either way nothing is buffered beyond the stream's current window, and an
   * idle stream buffers nothing. @default streamWindow (no growth)
   */
  readonly maxStreamWindow?: number;
  /**
   * Bytes by which the streams of this session may grow their windows beyond `streamWindow`,
   * all together: a stream grows only while this budget has room, and gives its growth back
   * when it ends. So one session buffers at most `streams × streamWindow` plus this.
   * @default 8 × (maxStreamWindow − streamWindow)
   */
  readonly windowGrowthBudget?: number;
  /** Largest data frame sent, bytes. @default 262144 */
  readonly maxDataFrame?: number;
}

/** Counts of one session, for tests and metrics. */
export interface MuxSessionStats {
  /** Streams open (including those waiting in the accept backlog). */
  readonly streams: number;
  /** Received bytes not read yet, all streams together. */
  readonly buffered: number;
}

const GRACE_MS = 1000;

/** A yamux session over one connection. */
export class MuxSession {
  /** Resolves once the session ended: null after `close()` or a clean end of the connection, else why. */
  readonly closed: Promise<Error | null>;
  #conn: MuxTransport;
  #peer: ErrorSource;
  #reader: FrameReader;
  #writer: FrameWriter;
  #keepalive: Keepalive;
  #host: StreamHost;
  /** What is left of `windowGrowthBudget`. */
  #growthLeft = 0;
  #window: number;
  #maxStreams: number;
  #backlogLimit: number;
  #streams = new Map<number, StreamCore>();
  #backlog: StreamCore[] = [];
  #nextId: number;
  #pendingSyn = 0;
  #accepting = new Signal();
  #opening = new Signal();
  #idle = new Signal();
  #localGoAway = false;
  #remoteGoAway = false;
  #ended: Error | null | undefined = undefined;
  #failure: MuxError | null = null;
  #lastFrameAt = performance.now();
  #resolveClosed!: (reason: Error | null) => void;

  /**
   * Starts the session on `conn` (its read and write loops and the keepalive).
   * @param conn a connected transport, used by this session only from now on
   */
  constructor(conn: MuxTransport, options: MuxSessionOptions) {
    this.closed = new Promise((resolve) => this.#resolveClosed = resolve);
    this.#conn = conn;
    this.#peer = options.role === "server" ? "client" : "upstream";
    this.#nextId = options.role === "client" ? 1 : 2;
    this.#window = Math.max(INITIAL_STREAM_WINDOW, options.streamWindow ?? INITIAL_STREAM_WINDOW);
    this.#maxStreams = options.maxStreams ?? 4096;
    this.#backlogLimit = options.acceptBacklog ?? 256;
    const maxWindow = Math.max(this.#window, options.maxStreamWindow ?? this.#window);
    this.#growthLeft = Math.max(0, options.windowGrowthBudget ?? 8 * (maxWindow - this.#window));
    this.#host = this.#makeHost(Math.max(1024, options.maxDataFrame ?? 256 * 1024), maxWindow);
    this.#reader = new FrameReader(conn, this.#peer);
    this.#writer = new FrameWriter(conn, (error) => this.#end(transportError(error)));
    this.#keepalive = new Keepalive({
      sendPing: (value) =>
        this.#writer.control({
          type: FrameType.PING,
          flags: FrameFlag.SYN,
          streamId: 0,
          length: value,
        }),
      lastFrameAt: () => this.#lastFrameAt,
      onDead: () => this.#end(new MuxError("keepalive_timeout", "the peer did not answer a ping")),
    }, {
      interval: options.keepAliveInterval ?? 30_000,
      timeout: options.keepAliveTimeout ?? 10_000,
    });
    this.#readLoop();
  }

  /** Round-trip time of the last answered ping in ms; null before the first. */
  get rtt(): number | null {
    return this.#keepalive.rtt;
  }

  /** True once the session ended. */
  get isClosed(): boolean {
    return this.#ended !== undefined;
  }

  /** Open streams and buffered bytes right now. */
  get stats(): MuxSessionStats {
    let buffered = 0;
    for (const core of this.#streams.values()) buffered += core.stats.buffered;
    return { streams: this.#streams.size, buffered };
  }

  /**
   * Opens a stream. Data may be written at once (the peer's ACK is not awaited); waits while
   * `acceptBacklog` opened streams are still unacknowledged.
   * @throws {MuxError} `go_away`, `stream_limit`, `ids_exhausted` or `session_closed`
   */
  async open(): Promise<MuxStream> {
    while (true) {
      if (this.#failure) throw this.#failure;
      if (this.#localGoAway || this.#remoteGoAway) {
        throw new MuxError("go_away", "the session is going away: no new streams");
      }
      if (this.#streams.size >= this.#maxStreams) {
        throw new MuxError("stream_limit", `${this.#maxStreams} streams are open already`);
      }
      if (this.#pendingSyn < this.#backlogLimit) break;
      await this.#opening.wait();
    }
    const id = this.#nextId;
    if (id > MAX_UINT32) throw new MuxError("ids_exhausted", "every stream id was used");
    this.#nextId += 2;
    const core = new StreamCore(id, this.#host, true, INITIAL_STREAM_WINDOW);
    this.#streams.set(id, core);
    this.#pendingSyn++;
    this.#writer.control(this.#windowFrame(core, FrameFlag.SYN));
    return new MuxStream(core);
  }

  /**
   * The next stream the peer opened (it is acknowledged now).
   * @returns the stream, or null once the session ended or this side went away
   */
  async accept(): Promise<MuxStream | null> {
    while (this.#backlog.length === 0) {
      if (this.#ended !== undefined || this.#localGoAway) return null;
      await this.#accepting.wait();
    }
    const core = this.#backlog.shift()!;
    if (!core.released) this.#writer.control(this.#windowFrame(core, FrameFlag.ACK));
    return new MuxStream(core);
  }

  /**
   * Graceful go-away: tells the peer to open no more streams and refuses new ones from now on
   * (`accept()` returns null once the backlog is empty, `open()` throws); open streams go on.
   * Resolves once the frame is written. Pair with {@link idle} then {@link close}.
   */
  async goAway(): Promise<void> {
    if (this.#localGoAway || this.#ended !== undefined) return;
    this.#localGoAway = true;
    this.#accepting.notify();
    this.#opening.notify();
    await this.#writer.controlFlushed(goAwayFrame(GoAwayCode.NORMAL)).catch(() => {});
  }

  /** Resolves when no stream is open (at once if none is) or the session ended. */
  async idle(): Promise<void> {
    while (this.#streams.size > 0 && this.#ended === undefined) await this.#idle.wait();
  }

  /** Sends a ping; resolves with the round-trip time in ms. */
  ping(): Promise<number> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#keepalive.ping().then(resolve);
      this.closed.then(() => reject(this.#failure));
    });
  }

  /** Closes the connection now; open streams fail with `session_closed`. */
  close(): void {
    this.#end(null);
  }

  #makeHost(maxDataFrame: number, maxWindow: number): StreamHost {
    const writer = () => this.#writer;
    return {
      window: this.#window,
      maxWindow,
      maxDataFrame,
      peer: this.#peer,
      sendData: (frame: OutFrame) => writer().data(frame),
      canSendData: () => writer().hasRoom,
      waitForSendRoom: () => writer().waitForRoom(),
      sendControl: (frame: OutFrame) => writer().control(frame),
      sendControlFlushed: (frame: OutFrame) => writer().controlFlushed(frame),
      release: (core: StreamCore) => this.#release(core),
      failure: () => this.#failure,
      reserveGrowth: (bytes: number) => {
        if (bytes > this.#growthLeft) return false;
        this.#growthLeft -= bytes;
        return true;
      },
    };
  }

  #windowFrame(core: StreamCore, flags: number): OutFrame {
    const length = core.takeWindowDelta(true);
    return { type: FrameType.WINDOW_UPDATE, flags, streamId: core.id, length };
  }

  #release(core: StreamCore): void {
    if (this.#streams.get(core.id) !== core) return;
    this.#streams.delete(core.id);
    this.#growthLeft += core.grown;
    this.#settleSyn(core);
    if (this.#streams.size === 0) this.#idle.notify();
  }

  #settleSyn(core: StreamCore): void {
    if (!core.awaitingAck) return;
    core.awaitingAck = false;
    this.#pendingSyn--;
    this.#opening.notify();
  }

  async #readLoop(): Promise<void> {
    try {
      while (this.#ended === undefined) {
        let header = this.#reader.bufferedHeader();
        if (header === undefined) {
          const next = await this.#reader.readHeader();
          if (this.#ended !== undefined) return;
          if (next === null) return this.#end(null);
          header = next;
        }
        this.#lastFrameAt = performance.now();
        if (header.type === FrameType.PING) this.#onPing(header);
        else if (header.type === FrameType.GO_AWAY) this.#onGoAway(header);
        else {
          const more = this.#onStreamFrame(header);
          if (more) await more;
        }
        if (this.#writer.controlQueued > this.#maxStreams * 2 + 1024) {
          throw this.#protocolError("the peer sends frames faster than it reads the answers");
        }
      }
    } catch (error) {
      if (this.#ended !== undefined) return;
      if (error instanceof MuxProtocolError) return this.#end(error, GoAwayCode.PROTOCOL_ERROR);
      this.#end(transportError(error));
    }
  }

  #onPing(header: FrameHeader): void {
    if (header.flags & FrameFlag.SYN) {
      this.#writer.control({
        type: FrameType.PING,
        flags: FrameFlag.ACK,
        streamId: 0,
        length: header.length,
      });
    } else if (header.flags & FrameFlag.ACK) {
      this.#keepalive.onPong(header.length);
    }
  }

  #onGoAway(header: FrameHeader): void {
    if (header.length === GoAwayCode.NORMAL) {
      this.#remoteGoAway = true;
      this.#opening.notify();
      return;
    }
    this.#end(new MuxError("remote_error", `the peer went away with code ${header.length}`));
  }

  /** Handles a stream frame; returns a promise only when its payload is not all buffered yet. */
  #onStreamFrame(header: FrameHeader): Promise<void> | undefined {
    const { streamId: id, flags, length } = header;
    let core = this.#streams.get(id);
    if (flags & FrameFlag.SYN) {
      if (core) throw this.#protocolError(`stream ${id} opened twice`);
      if ((id & 1) === (this.#nextId & 1)) {
        throw this.#protocolError(`stream ${id} has this side's parity`);
      }
      core = this.#incoming(id);
    }
    if (header.type === FrameType.DATA && length > (core?.receiveWindow ?? this.#window)) {
      throw this.#protocolError(
        `data frame of ${length} bytes on stream ${id} exceeds its window of ${
          core?.receiveWindow ?? this.#window
        }`,
      );
    }
    // A stream already reset or refused: its frames in flight are skipped.
    if (core && flags & FrameFlag.ACK) this.#settleSyn(core);
    if (header.type === FrameType.DATA) {
      const left = this.#payload(core, length);
      if (left > 0) return this.#restOfPayload(core, left, flags);
    } else if (core && length > 0) {
      core.onWindowUpdate(length);
    }
    if (core) this.#onFlags(core, flags);
  }

  /** Hands the buffered part of a payload to `core` (or skips it); returns the bytes left. */
  #payload(core: StreamCore | undefined, length: number): number {
    const piece = this.#reader.take(length);
    if (core && piece.length > 0) core.onData(piece);
    return length - piece.length;
  }

  async #restOfPayload(core: StreamCore | undefined, left: number, flags: number): Promise<void> {
    while (left > 0) {
      await this.#reader.more();
      left = this.#payload(core, left);
    }
    if (core) this.#onFlags(core, flags);
  }

  #onFlags(core: StreamCore, flags: number): void {
    if (flags & FrameFlag.FIN) core.onFin();
    if (flags & FrameFlag.RST) {
      this.#settleSyn(core);
      core.onReset();
    }
  }

  #incoming(id: number): StreamCore | undefined {
    if (
      this.#localGoAway || this.#streams.size >= this.#maxStreams ||
      this.#backlog.length >= this.#backlogLimit
    ) {
      this.#writer.control({
        type: FrameType.WINDOW_UPDATE,
        flags: FrameFlag.RST,
        streamId: id,
        length: 0,
      });
      return undefined;
    }
    const core = new StreamCore(id, this.#host, false, INITIAL_STREAM_WINDOW);
    this.#streams.set(id, core);
    this.#backlog.push(core);
    this.#accepting.notify();
    return core;
  }

  #protocolError(problem: string): MuxProtocolError {
    return new MuxProtocolError(problem, { source: this.#peer });
  }

  #end(reason: Error | null, goAwayCode?: number): void {
    if (this.#ended !== undefined) return;
    this.#ended = reason;
    this.#failure = new MuxError(
      "session_closed",
      reason ? `the session ended: ${reason.message}` : "the session is closed",
      { cause: reason ?? undefined },
    );
    this.#keepalive.stop();
    for (const core of this.#streams.values()) core.onSessionEnd();
    this.#accepting.notify();
    this.#opening.notify();
    this.#idle.notify();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const last = goAwayCode === undefined ? Promise.resolve() : Promise.race([
      this.#writer.finish(goAwayFrame(goAwayCode)),
      new Promise<void>((resolve) => timer = setTimeout(resolve, GRACE_MS)),
    ]);
    last.then(() => {
      clearTimeout(timer);
      this.#writer.stop(this.#failure!);
      try {
        this.#conn.close();
      } catch {
        // already closed
      }
      this.#resolveClosed(reason);
    });
  }
}

function goAwayFrame(code: number): FrameHeader {
  return { type: FrameType.GO_AWAY, flags: 0, streamId: 0, length: code };
}

function transportError(error: unknown): MuxError {
  const message = error instanceof Error ? error.message : String(error);
  return new MuxError("transport", `the connection failed: ${message}`, { cause: error });
}
