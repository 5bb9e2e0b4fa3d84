import { HttpError } from "./errors.ts";
import { HeaderList } from "./headers.ts";
import { COLON, CR, decodeLatin1, FIELD_CHAR, HTAB, LF, SP, TCHAR } from "./_chars.ts";

/** HTTP/1.x versions a head can carry; a higher 1.x minor is read as 1.1 (RFC 9110 §2.5). */
export type HttpVersion = "HTTP/1.0" | "HTTP/1.1";

/** Statuses a head parser throws with: requests answer 400/431/505, responses all 502. */
export interface HeadStatuses {
  /** Malformed. */
  readonly bad: number;
  /** Over a limit. */
  readonly tooLarge: number;
  /** A major version other than 1. */
  readonly version: number;
}

/**
 * The shared steps of the request and response head parsers over one complete head: the
 * bytes are decoded once to a string with one char per byte, so any byte range is a cheap
 * slice, and every check reads the bytes through lookup tables in a single pass.
 */
export class HeadScanner {
  readonly bytes: Uint8Array;
  /** The head as text, one char per byte. */
  readonly text: string;
  readonly statuses: HeadStatuses;

  constructor(bytes: Uint8Array, statuses: HeadStatuses) {
    this.bytes = bytes;
    this.statuses = statuses;
    const text = decodeLatin1(bytes, false);
    // Pure ASCII decodes to one char per byte and no replacement char; anything else is redone.
    this.text = text.length === bytes.length && !text.includes("\ufffd")
      ? text
      : decodeLatin1(bytes, true);
  }

  /**
   * Where the start line beginning at `from` ends: the index of its CR (the LF follows), or
   * `bytes.length` when there is no LF at all. Throws for a bare LF.
   */
  lineEnd(from: number): number {
    const { bytes } = this;
    const len = bytes.length;
    let lf = from;
    while (lf < len && bytes[lf] !== LF) lf++;
    if (lf === len) return len;
    if (lf === from || bytes[lf - 1] !== CR) throw this.#bad("bare LF in head");
    return lf - 1;
  }

  /**
   * Reads `HTTP/1.x` at `[from, end)`: exactly eight bytes. Throws with `statuses.version`
   * for another major version and `statuses.bad` for anything else.
   */
  version(from: number, end: number): HttpVersion {
    const { bytes } = this;
    if (end - from !== 8 || !this.text.startsWith("HTTP/", from) || bytes[from + 6] !== 0x2e) {
      throw this.#bad("invalid HTTP version");
    }
    const major = bytes[from + 5] - 0x30;
    const minor = bytes[from + 7] - 0x30;
    if (!(major >= 0 && major <= 9 && minor >= 0 && minor <= 9)) {
      throw this.#bad("invalid HTTP version");
    }
    if (major !== 1) {
      throw new HttpError(this.statuses.version, `unsupported version HTTP/${major}.${minor}`);
    }
    return minor === 0 ? "HTTP/1.0" : "HTTP/1.1";
  }

  /**
   * Parses the field lines from `pos` through the empty line that ends the head (RFC 9112
   * §5): names are tokens directly followed by a colon, values lose their surrounding
   * whitespace and may hold only VCHAR, obs-text, SP and HTAB, lines end in CRLF, obs-fold is
   * refused, more than `maxHeaders` fields is too large, and the empty line must come last.
   */
  fields(pos: number, maxHeaders: number): HeaderList {
    const { bytes, text } = this;
    const headers = new HeaderList();
    const len = bytes.length;
    while (pos < len) {
      let b = bytes[pos];
      if (b === CR) {
        if (bytes[pos + 1] !== LF) break;
        if (pos + 2 !== len) throw this.#bad("bytes after the head");
        return headers;
      }
      if (b === SP || b === HTAB) {
        throw this.#bad("obsolete line folding (a header line starting with whitespace)");
      }
      if (headers.size >= maxHeaders) {
        throw new HttpError(this.statuses.tooLarge, `more than ${maxHeaders} header fields`);
      }
      const nameStart = pos;
      while (pos < len && TCHAR[b] === 1) b = bytes[++pos];
      if (pos === len) break;
      if (b !== COLON) throw this.#bad(b === LF ? "bare LF in head" : "invalid header name");
      if (pos === nameStart) throw this.#bad("empty header name");
      const nameEnd = pos;
      b = bytes[++pos];
      while (pos < len && (b === SP || b === HTAB)) b = bytes[++pos];
      const valueStart = pos;
      while (pos < len && FIELD_CHAR[b] === 1) b = bytes[++pos];
      if (pos === len) break;
      if (b !== CR) {
        throw this.#bad(b === LF ? "bare LF in head" : "invalid character in a header value");
      }
      if (bytes[pos + 1] !== LF) throw this.#bad("bare CR in head");
      let valueEnd = pos;
      while (
        valueEnd > valueStart && (bytes[valueEnd - 1] === SP || bytes[valueEnd - 1] === HTAB)
      ) {
        valueEnd--;
      }
      pos += 2;
      const name = text.slice(nameStart, nameEnd);
      headers.addLower(name, name.toLowerCase(), text.slice(valueStart, valueEnd));
    }
    throw this.#bad("head does not end with an empty line");
  }

  #bad(message: string): HttpError {
    return new HttpError(this.statuses.bad, message);
  }
}

/**
 * Checks one field line (a trailer, CRLF excluded) by the rules of
 * {@link HeadScanner.fields}; throws {@link HttpError} with `bad`.
 */
export function checkFieldLine(line: Uint8Array, bad: number): void {
  const first = line[0];
  if (first === SP || first === HTAB) {
    throw new HttpError(bad, "obsolete line folding (a header line starting with whitespace)");
  }
  let i = 0;
  while (i < line.length && TCHAR[line[i]] === 1) i++;
  if (i === line.length || line[i] !== COLON) throw new HttpError(bad, "invalid header name");
  if (i === 0) throw new HttpError(bad, "empty header name");
  for (let k = i + 1; k < line.length; k++) {
    if (FIELD_CHAR[line[k]] !== 1) throw new HttpError(bad, "invalid character in a header value");
  }
}
