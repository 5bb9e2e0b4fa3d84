import { releaseBuffer, takeBuffer } from "../net/buffer_pool.ts";
import { HttpError } from "./errors.ts";
import { DEFAULT_HEAD_LIMITS, type HeadLimits } from "./limits.ts";
import { CR, LF } from "./_chars.ts";

/** Anything bytes can be read from, like a `Deno.Conn`. */
export interface ByteSource {
  /**
   * Reads into `p` (never empty); the number of bytes read, or null — or 0 — at the end of
   * the stream.
   */
  read(p: Uint8Array): Promise<number | null>;
}

const EMPTY = new Uint8Array(0);
/**
 * Size of the side buffer a {@link HttpReader.fillParked} or {@link HttpReader.watch} read goes
 * into, so an idle connection (a keep-alive client, a pooled upstream) holds 1 KiB, not 64:
 * most request heads fit (nginx's `client_header_buffer_size` is 1k too); a longer head, or a
 * response that was watched for while idle, takes one more read, into the pooled buffer.
 */
const SIDE_SIZE = 1024;

/** Which side of an exchange a head comes from: decides the limits and statuses. */
export type HeadKind = "request" | "response";

/**
 * A connection read through one reused buffer (from the shared pool): message heads are found
 * in place, bodies are copied out of the same buffer, and what a read brought beyond the
 * current message stays buffered for the next one. Call {@link release} when done.
 */
export class HttpReader {
  readonly #src: ByteSource;
  #buf: Uint8Array;
  #start = 0;
  #end = 0;
  #read = 0;
  #pooled: boolean;
  // Progress of a head scan (relative to #start), so takeHead never rescans bytes.
  #scanned = 0;
  #lineStart = 0;
  #lines = 0;
  /** The most bytes one {@link fill} reads. @default Infinity (the buffer's free space) */
  maxRead = Infinity;
  // A read started by watch(): bytes in #side (0 at the end of stream), or an unexpected error.
  #side: Uint8Array | null = null;
  #pending: Promise<number | Error> | null = null;
  #onEnd: ((alive: boolean) => void) | null = null;

  /**
   * Creates a reader with a buffer from the pool.
   * @param src the connection to read from
   * @param initial bytes already read from it (e.g. while sniffing the protocol)
   */
  constructor(src: ByteSource, initial: Uint8Array = EMPTY) {
    this.#src = src;
    const pooled = takeBuffer();
    this.#pooled = initial.length <= pooled.length;
    this.#buf = this.#pooled ? pooled : new Uint8Array(initial.length);
    if (!this.#pooled) releaseBuffer(pooled);
    this.#buf.set(initial);
    this.#end = initial.length;
  }

  /** Bytes buffered and not yet consumed. */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /** Bytes read from the source so far (a progress counter for idle checks). */
  get bytesRead(): number {
    return this.#read;
  }

  /** The buffered bytes, as a view valid until the next {@link fill}. */
  view(): Uint8Array {
    return this.#buf.subarray(this.#start, this.#end);
  }

  /** Marks `n` buffered bytes as used. */
  consume(n: number): void {
    this.#scanned = this.#lineStart = this.#lines = 0;
    this.#start += n;
    if (this.#start === this.#end) this.#start = this.#end = 0;
  }

  /**
   * Takes every buffered byte out as a copy (e.g. to forward before a tunnel starts); no
   * {@link watch} read may be pending, as the socket is read directly afterwards.
   */
  takeBuffered(): Uint8Array {
    const out = this.#buf.slice(this.#start, this.#end);
    this.#start = this.#end = 0;
    this.#scanned = this.#lineStart = this.#lines = 0;
    return out;
  }

  /**
   * Reads once from the source, appending to the buffer (moving buffered bytes to the front
   * when the end is reached, growing it only when it is full of unconsumed bytes), or takes
   * the bytes of a read {@link watch} started. Returns false at end of stream; a reset or
   * closed connection counts as the end too, so callers see one way a peer goes away.
   */
  fill(): Promise<boolean> {
    return this.#pending === null ? this.#read1() : this.#takeWatched();
  }

  /**
   * {@link fill} for a connection waiting for its next message with nothing buffered (an idle
   * keep-alive client): the buffer goes back to the pool ({@link park}) and the read goes
   * into the small side buffer, so the wait holds a few KiB, not 64; a buffer is taken again
   * only when bytes arrive. With bytes buffered, or a {@link watch} read pending, it is
   * {@link fill}. Views handed out earlier become invalid.
   */
  fillParked(): Promise<boolean> {
    if (this.#pending !== null) return this.#takeWatched();
    return this.park() ? this.#readSide() : this.#read1();
  }

  /** One read into the side buffer, its bytes then moved into a buffer from the pool. */
  async #readSide(): Promise<boolean> {
    const side = this.#side ??= new Uint8Array(SIDE_SIZE);
    let n: number | null;
    try {
      n = await this.#src.read(this.maxRead < side.length ? side.subarray(0, this.maxRead) : side);
    } catch (e) {
      if (isGone(e)) return false;
      throw e;
    }
    if (n === null || n === 0) return false;
    this.#makeRoom(n);
    this.#buf.set(side.subarray(0, n), this.#end);
    this.#end += n;
    this.#read += n;
    return true;
  }

  /**
   * Starts the next read now, into a small side buffer, while nobody needs its bytes yet (an
   * idle pooled connection, a client awaiting its response). Should that read end before a
   * {@link fill} takes it, `onEnd` runs with true when bytes came, false at the end of stream
   * or on an error; the next {@link fill} then takes its bytes instead of reading again, so
   * watching costs no extra read. While one is pending, calling it again only replaces
   * `onEnd`. Neither the buffer nor {@link park} is held up by it; the socket must not be
   * read other than through this reader until a {@link fill} took its bytes.
   */
  watch(onEnd: ((alive: boolean) => void) | null = null): void {
    this.#onEnd = onEnd;
    if (this.#pending !== null) return;
    const side = this.#side ??= new Uint8Array(SIDE_SIZE);
    this.#pending = this.#src.read(
      this.maxRead < side.length ? side.subarray(0, this.maxRead) : side,
    ).then(this.#watched, this.#watchFailed);
  }

  readonly #watched = (n: number | null): number => {
    const onEnd = this.#onEnd;
    if (onEnd !== null) {
      this.#onEnd = null;
      onEnd(n !== null && n > 0);
    }
    return n ?? 0;
  };

  readonly #watchFailed = (e: unknown): number | Error => {
    this.#watched(0);
    return isGone(e) ? 0 : e instanceof Error ? e : new Error(String(e));
  };

  /** A read started by {@link watch} is still to be taken by {@link fill}. */
  get watching(): boolean {
    return this.#pending !== null;
  }

  async #takeWatched(): Promise<boolean> {
    // Taken: whoever watched is not told.
    this.#onEnd = null;
    const r = await this.#pending!;
    this.#pending = null;
    if (typeof r !== "number") throw r;
    if (r === 0) return false;
    this.#makeRoom(r);
    this.#buf.set(this.#side!.subarray(0, r), this.#end);
    this.#end += r;
    this.#read += r;
    return true;
  }

  /** Takes a buffer when parked, then makes `min` bytes of room after the buffered ones. */
  #makeRoom(min: number): void {
    if (this.#buf.length === 0) {
      // Parked: take a buffer again.
      this.#buf = takeBuffer();
      this.#pooled = true;
    }
    if (this.#buf.length - this.#end >= min) return;
    if (this.#start > 0) {
      this.#buf.copyWithin(0, this.#start, this.#end);
      this.#end -= this.#start;
      this.#start = 0;
      if (this.#buf.length - this.#end >= min) return;
    }
    // Only a caller with limits above the pooled size gets here.
    const bigger = new Uint8Array(Math.max(this.#buf.length * 2, this.#end + min));
    bigger.set(this.#buf.subarray(0, this.#end));
    if (this.#pooled) releaseBuffer(this.#buf);
    this.#pooled = false;
    this.#buf = bigger;
  }

  async #read1(): Promise<boolean> {
    this.#makeRoom(1);
    let n: number | null;
    try {
      const room = this.#buf.length - this.#end;
      n = await this.#src.read(
        room <= this.maxRead
          ? this.#buf.subarray(this.#end)
          : this.#buf.subarray(this.#end, this.#end + this.maxRead),
      );
    } catch (e) {
      if (isGone(e)) return false;
      throw e;
    }
    if (n === null || n === 0) return false;
    this.#end += n;
    this.#read += n;
    return true;
  }

  /**
   * Reads one message head: the bytes through the first CRLF CRLF, as a view valid until the
   * next read (parse it at once), consumed from the buffer. Leading empty lines before a
   * request are skipped (RFC 9112 §2.2). Returns null when the stream ends before any byte.
   * Throws {@link HttpError} as soon as the head cannot be valid, without waiting for more:
   * a bare LF (400), a request line over `limits.maxStartLine` (414), too many fields or a
   * head over `limits.maxHeadSize` (431), or an end of stream inside the head (400); for a
   * response every one of these is 502.
   */
  async readHead(
    kind: HeadKind,
    limits: HeadLimits = DEFAULT_HEAD_LIMITS,
  ): Promise<Uint8Array | null> {
    while (true) {
      const head = this.takeHead(kind, limits);
      if (head !== undefined) return head;
      if (!(await this.fill())) {
        if (this.buffered === 0) return null;
        throw new HttpError(
          kind === "request" ? 400 : 502,
          `connection closed in the middle of a ${kind} head`,
        );
      }
    }
  }

  /**
   * {@link readHead} without reading: the head when the buffer holds a complete one, else
   * undefined (call {@link fill} and try again; bytes already scanned are not scanned
   * twice). Throws as {@link readHead} does. Lets a caller skip an `await` when a whole head
   * arrived with the previous read.
   */
  takeHead(
    kind: HeadKind,
    limits: HeadLimits = DEFAULT_HEAD_LIMITS,
  ): Uint8Array | undefined {
    const request = kind === "request";
    const bad = request ? 400 : 502;
    if (request && this.#lines === 0) {
      while (
        this.buffered >= 2 && this.#buf[this.#start] === CR && this.#buf[this.#start + 1] === LF
      ) {
        this.consume(2);
      }
    }
    const buf = this.#buf;
    const base = this.#start;
    const end = this.#end;
    let lineStart = this.#lineStart;
    let lines = this.#lines;
    // A plain loop: Uint8Array#indexOf costs more per call than a short line takes to scan.
    for (let i = base + this.#scanned; i < end; i++) {
      if (buf[i] !== LF) continue;
      const lf = i - base;
      if (lf === lineStart || buf[i - 1] !== CR) throw new HttpError(bad, "bare LF in head");
      const length = lf - 1 - lineStart;
      if (lines === 0 && length > limits.maxStartLine && request) {
        throw new HttpError(414, `request line longer than ${limits.maxStartLine} bytes`);
      }
      if (length === 0) {
        if (lines === 0) throw new HttpError(bad, "empty start line");
        const head = buf.subarray(base, i + 1);
        this.#start = i + 1;
        if (this.#start === this.#end) this.#start = this.#end = 0;
        this.#scanned = this.#lineStart = this.#lines = 0;
        return head;
      }
      if (lines > limits.maxHeaders) {
        throw new HttpError(request ? 431 : 502, `more than ${limits.maxHeaders} header fields`);
      }
      lines++;
      lineStart = lf + 1;
    }
    const scanned = end - base;
    this.#scanned = scanned;
    this.#lineStart = lineStart;
    this.#lines = lines;
    if (request && lines === 0 && scanned - lineStart > limits.maxStartLine + 1) {
      throw new HttpError(414, `request line longer than ${limits.maxStartLine} bytes`);
    }
    if (scanned >= limits.maxHeadSize) {
      throw new HttpError(request ? 431 : 502, `head larger than ${limits.maxHeadSize} bytes`);
    }
    return undefined;
  }

  /**
   * Gives the buffer back to the pool while nothing is buffered (an idle keep-alive
   * connection need not hold 64 KiB); the next {@link fill} takes one again. Returns false,
   * keeping the buffer, when bytes are buffered. Views handed out earlier become invalid.
   */
  park(): boolean {
    if (this.#end !== this.#start) return false;
    if (this.#pooled) releaseBuffer(this.#buf);
    this.#buf = EMPTY;
    this.#pooled = false;
    this.#start = this.#end = 0;
    return true;
  }

  /** Gives the buffer back to the pool; the reader must not be used afterwards. */
  release(): void {
    if (this.#pooled) releaseBuffer(this.#buf);
    this.#buf = EMPTY;
    this.#pooled = false;
    this.#start = this.#end = 0;
  }
}

function isGone(e: unknown): boolean {
  return e instanceof Deno.errors.ConnectionReset || e instanceof Deno.errors.BrokenPipe ||
    e instanceof Deno.errors.BadResource || e instanceof Deno.errors.Interrupted ||
    e instanceof Deno.errors.UnexpectedEof || e instanceof Deno.errors.NotConnected ||
    e instanceof Deno.errors.ConnectionAborted;
}
