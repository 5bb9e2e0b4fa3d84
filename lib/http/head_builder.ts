import { HttpError } from "./errors.ts";
import { CR, FIELD_CHAR, isToken, LF } from "./_chars.ts";

/**
 * Composes an outgoing message head (and a small body) in one reused buffer, so forwarding a
 * message allocates nothing per request: the start line, field lines copied from the received
 * head (minus any to drop), added fields, the empty line, then body bytes. The result is a
 * view valid until the next {@link reset}; it grows (doubling) when a message needs more.
 */
export class HeadBuilder {
  #buf: Uint8Array;
  #len = 0;

  /**
   * Creates a builder.
   * @param size initial capacity in bytes
   */
  constructor(size = 4096) {
    this.#buf = new Uint8Array(size);
  }

  /** Bytes written since the last reset. */
  get length(): number {
    return this.#len;
  }

  /** Starts a new message. */
  reset(): this {
    this.#len = 0;
    return this;
  }

  /** The message so far, as a view of the buffer (valid until the next reset or growth). */
  view(): Uint8Array {
    return this.#buf.subarray(0, this.#len);
  }

  /** Appends bytes as they are. */
  bytes(data: Uint8Array): void {
    this.#reserve(data.length);
    this.#buf.set(data, this.#len);
    this.#len += data.length;
  }

  /**
   * Appends text one byte per char (chars above 0xff are written as `?`); for start lines
   * and values already checked.
   */
  text(s: string): void {
    const n = s.length;
    this.#reserve(n);
    const buf = this.#buf;
    let at = this.#len;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      buf[at++] = c > 0xff ? 0x3f : c;
    }
    this.#len = at;
  }

  /** Appends CRLF. */
  crlf(): void {
    this.#reserve(2);
    this.#buf[this.#len++] = CR;
    this.#buf[this.#len++] = LF;
  }

  /**
   * Appends one field line `name: value CRLF`. Throws {@link HttpError} 500 for a name that
   * is not a token or a value with a character a field cannot hold (CR, LF, NUL, above 0xff),
   * so header rules can never split a message.
   */
  field(name: string, value: string): void {
    if (!isToken(name)) throw invalid("header name", name);
    if (!isFieldValue(value)) throw invalid(`value of header ${JSON.stringify(name)}`, value);
    this.text(name);
    this.#reserve(2);
    this.#buf[this.#len++] = 0x3a; // ":"
    this.#buf[this.#len++] = 0x20;
    this.text(value);
    this.crlf();
  }

  /**
   * Copies the field lines of `raw` — a complete head as the parser accepted it, one field
   * per line after the start line — except those whose index (in parse order) is in `drop`
   * (ascending), without the start line and the final empty line.
   */
  fieldsOf(raw: Uint8Array, drop: readonly number[] | null): void {
    const len = raw.length - 2; // the final CRLF
    let pos = raw.indexOf(LF) + 1; // after the start line
    if (drop === null || drop.length === 0) {
      if (pos < len) this.bytes(raw.subarray(pos, len));
      return;
    }
    let field = 0;
    let d = 0;
    let runStart = pos;
    while (pos < len) {
      let end = pos;
      while (raw[end] !== LF) end++;
      end++;
      if (d < drop.length && drop[d] === field) {
        if (pos > runStart) this.bytes(raw.subarray(runStart, pos));
        runStart = end;
        d++;
      }
      pos = end;
      field++;
    }
    if (len > runStart) this.bytes(raw.subarray(runStart, len));
  }

  /** The start line of `raw` (request or status line), CRLF included. */
  startLineOf(raw: Uint8Array): void {
    this.bytes(raw.subarray(0, raw.indexOf(LF) + 1));
  }

  #reserve(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#len + n) size *= 2;
    const bigger = new Uint8Array(size);
    bigger.set(this.#buf.subarray(0, this.#len));
    this.#buf = bigger;
  }
}

function isFieldValue(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff || FIELD_CHAR[c] !== 1) return false;
  }
  return true;
}

function invalid(what: string, text: string): HttpError {
  return new HttpError(500, `invalid ${what} ${JSON.stringify(text)}`);
}
