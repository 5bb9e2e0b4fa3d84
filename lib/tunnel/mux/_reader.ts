/**
 * Reads frames off the session's connection: headers from a reused buffer, payloads straight
 * into the caller's array (a large payload skips the buffer entirely).
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

const BUFFER_SIZE = 64 * 1024;

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

  /** The next header; null at a clean end of stream (between frames). */
  async readHeader(): Promise<FrameHeader | null> {
    while (this.#end - this.#start < FRAME_HEADER_SIZE) {
      if (!(await this.#fill())) {
        if (this.#end === this.#start) return null;
        throw this.#truncated();
      }
    }
    const header = decodeFrameHeader(
      this.#buf.subarray(this.#start, this.#start + FRAME_HEADER_SIZE),
      this.#source,
    );
    this.#start += FRAME_HEADER_SIZE;
    return header;
  }

  /** Reads the `length` payload bytes into `into` (its whole length), or skips them when null. */
  async readPayload(length: number, into: Uint8Array | null): Promise<void> {
    let got = Math.min(length, this.#end - this.#start);
    if (into) into.set(this.#buf.subarray(this.#start, this.#start + got));
    this.#start += got;
    while (got < length) {
      if (into && length - got >= BUFFER_SIZE / 2) {
        const n = await this.#conn.read(into.subarray(got));
        if (n === null) throw this.#truncated();
        got += n;
        continue;
      }
      if (!(await this.#fill())) throw this.#truncated();
      const n = Math.min(length - got, this.#end - this.#start);
      if (into) into.set(this.#buf.subarray(this.#start, this.#start + n), got);
      this.#start += n;
      got += n;
    }
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
