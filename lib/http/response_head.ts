import { HttpError } from "./errors.ts";
import type { HeaderList } from "./headers.ts";
import { DEFAULT_HEAD_LIMITS, type HeadLimits } from "./limits.ts";
import { FIELD_CHAR, SP } from "./_chars.ts";
import { HeadScanner, type HeadStatuses, type HttpVersion } from "./_head_scanner.ts";

/** A parsed response head (RFC 9112 §4, §5). */
export interface ResponseHead {
  /** The protocol version. */
  readonly version: HttpVersion;
  /** The status code, 100..999. */
  readonly status: number;
  /** The reason phrase as sent (may be empty). */
  readonly reason: string;
  /** The header fields, in order. */
  readonly headers: HeaderList;
}

const RESPONSE: HeadStatuses = { bad: 502, tooLarge: 502, version: 502 };

/**
 * Parses a response head, the bytes from the status line through the final CRLF CRLF. Every
 * fault — the request-head rules, a status that is not three digits, a head over the limits —
 * throws {@link HttpError} 502, the answer a proxy owes its client for such an upstream.
 */
export function parseResponseHead(
  bytes: Uint8Array,
  limits: HeadLimits = DEFAULT_HEAD_LIMITS,
): ResponseHead {
  if (bytes.length > limits.maxHeadSize) {
    throw new HttpError(502, `response head larger than ${limits.maxHeadSize} bytes`);
  }
  const scan = new HeadScanner(bytes, RESPONSE);
  const { text } = scan;
  const end = scan.lineEnd(0);
  if (end === bytes.length) throw new HttpError(502, "head does not end with an empty line");
  if (end < 12 || bytes[8] !== SP) throw new HttpError(502, "invalid status line");
  const version = scan.version(0, 8);
  let status = 0;
  for (let i = 9; i < 12; i++) {
    const d = bytes[i] - 0x30;
    if (!(d >= 0 && d <= 9)) throw new HttpError(502, "invalid status code");
    status = status * 10 + d;
  }
  if (status < 100) throw new HttpError(502, `invalid status code ${status}`);
  // RFC 9112 wants "SP reason-phrase" even when the phrase is empty; accept its absence.
  if (end > 12 && bytes[12] !== SP) throw new HttpError(502, "invalid status line");
  for (let i = 13; i < end; i++) {
    if (FIELD_CHAR[bytes[i]] !== 1) throw new HttpError(502, "invalid reason phrase");
  }
  const reason = end > 13 ? text.slice(13, end) : "";
  const headers = scan.fields(end + 2, limits.maxHeaders);
  return { version, status, reason, headers };
}
