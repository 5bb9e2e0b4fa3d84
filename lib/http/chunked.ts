import { HttpError } from "./errors.ts";
import type { HttpReader } from "./reader.ts";
import { type ByteSink, writeAll } from "../net/write.ts";
import { CR, FIELD_CHAR, HTAB, LF, SP } from "./_chars.ts";
import { checkFieldLine } from "./_head_scanner.ts";

/** Options for {@link copyChunked}. */
export interface CopyChunkedOptions {
  /** Write only the chunk data, no framing or trailers. @default false */
  readonly dechunk?: boolean;
  /** Status of the {@link HttpError}s thrown for a malformed or cut-short body. @default 400 */
  readonly status?: number;
  /** Longest chunk-size line (extensions included). @default 4096 */
  readonly maxLine?: number;
  /** Most bytes of trailer fields. @default 16384 */
  readonly maxTrailers?: number;
}

// Where the copier is in the body.
const SIZE = 0; // reading a chunk-size line
const DATA = 1; // inside chunk data
const DATA_END = 2; // expecting the CRLF after the data
const TRAILER = 3; // reading trailer lines up to the empty one

// A chunk of 2^48 bytes or more is refused, so the size stays an exact integer.
const MAX_CHUNK = 2 ** 48;
const SEMICOLON = 0x3b;

/**
 * Streams a chunked body (RFC 9112 §7.1) from `src` to `dst`, checking its framing as it
 * passes: each chunk-size line is hex digits, optional `;` extensions of visible characters
 * and CRLF; each chunk's data is followed by CRLF; trailer fields follow the header rules. The
 * bytes are written unchanged (or, with `dechunk`, only the data) and never beyond the end of
 * the body, so a following message stays in the reader. Returns the number of data bytes.
 * Throws {@link HttpError} before writing any byte of a bad line.
 */
export async function copyChunked(
  src: HttpReader,
  dst: ByteSink,
  options: CopyChunkedOptions = {},
): Promise<number> {
  const status = options.status ?? 400;
  const dechunk = options.dechunk ?? false;
  const maxLine = options.maxLine ?? 4096;
  const maxTrailers = options.maxTrailers ?? 16384;
  let state = SIZE;
  let remaining = 0;
  let total = 0;
  let trailerBytes = 0;
  while (true) {
    const view = src.view();
    let pos = 0;
    let done = false;
    scan: while (pos < view.length) {
      switch (state) {
        case SIZE: {
          const lf = view.indexOf(LF, pos);
          // The same limit whether the line arrived in one read or in pieces.
          if ((lf < 0 ? view.length : lf + 1) - pos > maxLine) {
            throw new HttpError(status, "chunk size line too long");
          }
          if (lf < 0) break scan;
          remaining = chunkSize(view, pos, lf, status);
          pos = lf + 1;
          state = remaining === 0 ? TRAILER : DATA;
          break;
        }
        case DATA: {
          const n = Math.min(remaining, view.length - pos);
          if (dechunk) await writeAll(dst, view.subarray(pos, pos + n));
          pos += n;
          remaining -= n;
          total += n;
          if (remaining === 0) state = DATA_END;
          break;
        }
        case DATA_END: {
          if (view[pos] !== CR || (pos + 1 < view.length && view[pos + 1] !== LF)) {
            throw new HttpError(status, "chunk data not followed by CRLF");
          }
          if (pos + 1 === view.length) break scan;
          pos += 2;
          state = SIZE;
          break;
        }
        case TRAILER: {
          const lf = view.indexOf(LF, pos);
          if (lf < 0) {
            if (trailerBytes + view.length - pos > maxTrailers) {
              throw new HttpError(status, "trailer fields too large");
            }
            break scan;
          }
          if (lf === pos || view[lf - 1] !== CR) throw new HttpError(status, "bare LF in trailer");
          trailerBytes += lf + 1 - pos;
          if (trailerBytes > maxTrailers) throw new HttpError(status, "trailer fields too large");
          if (lf - 1 > pos) checkFieldLine(view.subarray(pos, lf - 1), status);
          else done = true;
          pos = lf + 1;
          if (done) break scan;
          break;
        }
      }
    }
    // Everything before pos is checked: pass it on (framing included unless dechunking).
    if (pos > 0) {
      if (!dechunk) await writeAll(dst, view.subarray(0, pos));
      src.consume(pos);
    }
    if (done) return total;
    if (!(await src.fill())) {
      throw new HttpError(status, "connection closed in the middle of a chunked body");
    }
  }
}

/** Reads the chunk-size line `view[start, lf]`; returns the size or throws. */
function chunkSize(view: Uint8Array, start: number, lf: number, status: number): number {
  if (lf === start || view[lf - 1] !== CR) {
    throw new HttpError(status, "bare LF in chunk size line");
  }
  const end = lf - 1;
  let i = start;
  let size = 0;
  while (i < end) {
    const d = hexValue(view[i]);
    if (d < 0) break;
    size = size * 16 + d;
    if (size >= MAX_CHUNK) throw new HttpError(status, "chunk size too large");
    i++;
  }
  if (i === start) throw new HttpError(status, "chunk size is not a hex number");
  // chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ): after the digits only
  // whitespace followed by ";" may come; the rest of the line must be visible characters.
  const digitsEnd = i;
  while (i < end && (view[i] === SP || view[i] === HTAB)) i++;
  if (i === end && i > digitsEnd) throw new HttpError(status, "whitespace after chunk size");
  if (i < end) {
    if (view[i] !== SEMICOLON) throw new HttpError(status, "invalid chunk size line");
    for (; i < end; i++) {
      if (FIELD_CHAR[view[i]] !== 1) throw new HttpError(status, "invalid chunk extension");
    }
  }
  return size;
}

function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  const l = b | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}
