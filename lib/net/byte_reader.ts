import { ProtocolError } from "./protocol_error.ts";

const INITIAL_SIZE = 1024;

/**
 * Reads a connection through a buffer, for parsing protocol heads: exact byte counts,
 * delimited blocks with a size limit, and whatever is left over once a tunnel starts.
 */
export class ByteReader {
  readonly #conn: Deno.Conn;
  #buf: Uint8Array;
  #start = 0;
  #end = 0;
  readonly #protocol: string;

  /**
   * @param conn the connection to read from
   * @param initial bytes already read from it (e.g. while sniffing the protocol)
   * @param protocol names the protocol in {@link ProtocolError}s
   */
  constructor(conn: Deno.Conn, initial: Uint8Array = new Uint8Array(0), protocol = "tcp") {
    this.#conn = conn;
    this.#protocol = protocol;
    // Heads are small (a SOCKS5 handshake is at most 1 KiB): start small, grow when full.
    this.#buf = new Uint8Array(Math.max(INITIAL_SIZE, initial.length));
    this.#buf.set(initial);
    this.#end = initial.length;
  }

  /** Bytes buffered and not yet consumed. */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /** Reads more from the connection into the buffer; false at end of stream. */
  async fill(): Promise<boolean> {
    if (this.#start > 0 && this.#start === this.#end) this.#start = this.#end = 0;
    if (this.#end === this.#buf.length) {
      if (this.#start > 0) {
        this.#buf.copyWithin(0, this.#start, this.#end);
        this.#end -= this.#start;
        this.#start = 0;
      } else {
        const bigger = new Uint8Array(this.#buf.length * 2);
        bigger.set(this.#buf.subarray(0, this.#end));
        this.#buf = bigger;
      }
    }
    const n = await this.#conn.read(this.#buf.subarray(this.#end));
    if (n === null) return false;
    this.#end += n;
    return true;
  }

  /** The next `n` bytes (a copy); throws {@link ProtocolError} if the stream ends first. */
  async readExact(n: number): Promise<Uint8Array> {
    while (this.buffered < n) {
      if (!(await this.fill())) {
        throw this.#error(`connection closed after ${this.buffered} of ${n} bytes`);
      }
    }
    const out = this.#buf.slice(this.#start, this.#start + n);
    this.#start += n;
    return out;
  }

  /** The next byte; throws {@link ProtocolError} if the stream ends first. */
  async readByte(): Promise<number> {
    while (this.buffered < 1) {
      if (!(await this.fill())) throw this.#error("connection closed");
    }
    return this.#buf[this.#start++];
  }

  /**
   * Everything up to and including `delimiter` (a copy). Returns null if the stream ends
   * before any byte arrived; throws {@link ProtocolError} when `max` bytes pass without the
   * delimiter (with `tooLarge` as the message) or the stream ends mid-way.
   */
  async readUntil(
    delimiter: Uint8Array,
    max: number,
    tooLarge = "head too large",
  ): Promise<Uint8Array | null> {
    let searched = 0;
    while (true) {
      const idx = indexOf(this.#buf, delimiter, this.#start + searched, this.#end);
      if (idx >= 0) {
        const end = idx + delimiter.length;
        const out = this.#buf.slice(this.#start, end);
        this.#start = end;
        return out;
      }
      searched = Math.max(0, this.buffered - delimiter.length + 1);
      if (this.buffered >= max) throw this.#error(tooLarge);
      if (!(await this.fill())) {
        if (this.buffered === 0) return null;
        throw this.#error("connection closed in the middle of a head");
      }
    }
  }

  /** The stream broke the protocol: `protocol: problem`. */
  #error(problem: string): ProtocolError {
    return new ProtocolError(this.#protocol, `${this.#protocol}: ${problem}`);
  }

  /** Takes every buffered byte out (e.g. to forward before a tunnel starts). */
  takeBuffered(): Uint8Array {
    const out = this.#buf.slice(this.#start, this.#end);
    this.#start = this.#end = 0;
    return out;
  }
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from: number, to: number): number {
  const first = needle[0];
  for (let i = from; i <= to - needle.length; i++) {
    if (hay[i] !== first) continue;
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}
