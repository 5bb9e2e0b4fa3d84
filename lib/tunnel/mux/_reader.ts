/**
 * Reads frames off the session's connection into one reused buffer. Headers and payload pieces
 * are handed out as views into it (valid until the next read), synchronously while the bytes
 * are buffered already, so one socket read carrying many frames is dispatched in one go.
 * @module
 */
import type { ErrorSource } from "../../net/protocol_error.ts";
import {
  decodeFrameHeader,
  FRAME_HEADER_SIZE,
  type FrameHeader,
  MuxProtocolError,
} from "./frame.ts";

/** What the reader reads from; `Deno.Conn` fits. */
export interface ByteSource {
  read(p: Uint8Array): Promise<number | null>;
}

const BUFFER_SIZE = 128 * 1024;

/** Frame-by-frame reader over one connection. */
export class FrameReader {
  #conn: ByteSource;
  #source: ErrorSource;
  #buf = new Uint8Array(BUFFER_SIZE);
  #start = 0;
  #end = 0;

  constructor(conn: ByteSource, source: ErrorSource) {
    this.#conn = conn;
    this.#source = source;
  }

  /** The next header when all of it is buffered already, else undefined (then {@link readHeader}). */
  bufferedHeader(): FrameHeader | undefined {
    if (this.#end - this.#start < FRAME_HEADER_SIZE) return undefined;
    const header = decodeFrameHeader(
      this.#buf.subarray(this.#start, this.#start + FRAME_HEADER_SIZE),
      this.#source,
    );
    this.#start += FRAME_HEADER_SIZE;
    return header;
  }

  /** The next header; null at a clean end of stream (between frames). */
  async readHeader(): Promise<FrameHeader | null> {
    while (this.#end - this.#start < FRAME_HEADER_SIZE) {
      if (!(await this.#fill())) {
        if (this.#end === this.#start) return null;
        throw this.#truncated();
      }
    }
    return this.bufferedHeader()!;
  }

  /** Up to `max` buffered bytes, consumed (a view valid until the next read; maybe empty). */
  take(max: number): Uint8Array {
    const n = Math.min(max, this.#end - this.#start);
    const piece = this.#buf.subarray(this.#start, this.#start + n);
    this.#start += n;
    return piece;
  }

  /** Reads more bytes from the connection (inside a frame: the end is an error). */
  async more(): Promise<void> {
    if (!(await this.#fill())) throw this.#truncated();
  }

  async #fill(): Promise<boolean> {
    if (this.#start === this.#end) {
      this.#start = this.#end = 0;
    } else if (this.#start > 0 && this.#buf.length - this.#end < FRAME_HEADER_SIZE) {
      this.#buf.copyWithin(0, this.#start, this.#end);
      this.#end -= this.#start;
      this.#start = 0;
    }
    const n = await this.#conn.read(this.#buf.subarray(this.#end));
    if (n === null) return false;
    this.#end += n;
    return true;
  }

  #truncated(): MuxProtocolError {
    return new MuxProtocolError("the connection ended inside a frame", { source: this.#source });
  }
}
