import type { BodyLength } from "./body_length.ts";
import { copyChunked } from "./chunked.ts";
import { HttpError } from "./errors.ts";
import type { HttpReader } from "./reader.ts";
import { type ByteSink, writeAll } from "../net/write.ts";

/** Options for {@link copyBody}. */
export interface CopyBodyOptions {
  /** How the body is delimited. */
  readonly length: BodyLength;
  /**
   * Strip chunked framing and trailers, writing only the data (for an HTTP/1.0 recipient,
   * which cannot read chunked). @default false
   */
  readonly dechunk?: boolean;
  /** Status of the {@link HttpError}s thrown for a malformed or cut-short body. @default 400 */
  readonly status?: number;
}

/**
 * Streams one message body from `src` to `dst` without holding more than the reader's buffer,
 * framing passed through unchanged (chunk lines and trailers included unless `dechunk`).
 * Returns the body bytes copied. Throws {@link HttpError} when the source breaks the framing
 * or ends early; errors writing to `dst` propagate as they are, so a caller can tell which
 * side failed.
 */
export async function copyBody(
  src: HttpReader,
  dst: ByteSink,
  options: CopyBodyOptions,
): Promise<number> {
  const { length, status } = options;
  switch (length.kind) {
    case "none":
      return 0;
    case "length":
      return await copyFixed(src, dst, { length: length.length, status });
    case "chunked":
      return await copyChunked(src, dst, { dechunk: options.dechunk, status });
    case "close":
      return await copyUntilClose(src, dst);
  }
}

/** Options for {@link copyFixed}. */
export interface CopyFixedOptions {
  /** Bytes to copy. */
  readonly length: number;
  /** Status of the {@link HttpError} thrown when the source ends early. @default 400 */
  readonly status?: number;
}

/**
 * Copies exactly `options.length` bytes; bytes the source sent beyond them stay in the reader.
 * Throws {@link HttpError} if the source ends first.
 */
export async function copyFixed(
  src: HttpReader,
  dst: ByteSink,
  options: CopyFixedOptions,
): Promise<number> {
  const { length } = options;
  let left = length;
  while (left > 0) {
    if (src.buffered === 0 && !(await src.fill())) {
      throw new HttpError(
        options.status ?? 400,
        `connection closed after ${length - left} of ${length} body bytes`,
      );
    }
    const view = src.view();
    const n = Math.min(view.length, left);
    await writeAll(dst, view.subarray(0, n));
    src.consume(n);
    left -= n;
  }
  return length;
}

/** Copies until the source ends (a response body delimited by the connection closing). */
export async function copyUntilClose(src: HttpReader, dst: ByteSink): Promise<number> {
  let total = 0;
  while (src.buffered > 0 || (await src.fill())) {
    const view = src.view();
    await writeAll(dst, view);
    total += view.length;
    src.consume(view.length);
  }
  return total;
}
