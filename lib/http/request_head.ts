import { type BodyLength, requestBodyLength } from "./body_length.ts";
import { HttpError } from "./errors.ts";
import type { HeaderList } from "./headers.ts";
import { DEFAULT_HEAD_LIMITS, type HeadLimits } from "./limits.ts";
import { isValidHost, type TargetForm, targetForm } from "./target.ts";
import { CR, LF, SP, TARGET_CHAR, TCHAR } from "./_chars.ts";
import { HeadScanner, type HeadStatuses, type HttpVersion } from "./_head_scanner.ts";

export type { HttpVersion };

/** A parsed request head (RFC 9112 §3, §5). */
export interface RequestHead {
  /** The method token, case kept (`GET`). */
  readonly method: string;
  /** The request-target as sent. */
  readonly target: string;
  /** Which form the target has. */
  readonly form: TargetForm;
  /**
   * The protocol version: as parsed, or `HTTP/2.0` for a request that came on an HTTP/2
   * stream (made from its `Request`, never parsed).
   */
  readonly version: HttpVersion | "HTTP/2.0";
  /** The header fields, in order. */
  readonly headers: HeaderList;
  /** How the body is delimited, already checked for ambiguity. */
  readonly body: BodyLength;
}

const REQUEST: HeadStatuses = { bad: 400, tooLarge: 431, version: 505 };

/**
 * Parses a request head: the bytes from the request line through the empty line that ends
 * it (CRLF CRLF), as {@link HttpReader.readHead} returns them; leading empty lines are skipped.
 * Strict per RFC 9112: throws {@link HttpError} 414 for a request line over
 * `limits.maxStartLine`, 431 for more than `limits.maxHeaders` fields or a head over
 * `limits.maxHeadSize`, 505 for a major version other than 1, and 400 for a bare LF, invalid
 * characters, obs-fold, whitespace before a colon, a missing or repeated Host in HTTP/1.1, a
 * Host that is not an authority (`name..`, `a/b`, empty but for an absolute-form target), a
 * target that does not fit the method, or an ambiguous body length.
 */
export function parseRequestHead(
  bytes: Uint8Array,
  limits: HeadLimits = DEFAULT_HEAD_LIMITS,
): RequestHead {
  let start = 0;
  while (bytes[start] === CR && bytes[start + 1] === LF) start += 2;
  if (bytes.length - start > limits.maxHeadSize) {
    throw new HttpError(431, `request head larger than ${limits.maxHeadSize} bytes`);
  }
  const scan = new HeadScanner(bytes, REQUEST);
  const { text } = scan;
  const end = scan.lineEnd(start);
  if (end - start > limits.maxStartLine) {
    throw new HttpError(414, `request line longer than ${limits.maxStartLine} bytes`);
  }
  if (end === bytes.length) throw new HttpError(400, "head does not end with an empty line");
  let i = start;
  let b = bytes[i];
  while (i < end && TCHAR[b] === 1) b = bytes[++i];
  if (i === start || b !== SP) throw new HttpError(400, "invalid method in request line");
  const method = text.slice(start, i);
  const t0 = ++i;
  b = bytes[i];
  while (i < end && TARGET_CHAR[b] === 1) b = bytes[++i];
  if (i === t0 || b !== SP) throw new HttpError(400, "invalid request target");
  const target = text.slice(t0, i);
  const version = scan.version(i + 1, end);
  const headers = scan.fields(end + 2, limits.maxHeaders);
  const hosts = headers.count("host");
  if (hosts > 1) throw new HttpError(400, "more than one Host header");
  if (hosts === 0 && version === "HTTP/1.1") throw new HttpError(400, "no Host header");
  const form = targetForm(method, target);
  if (form === undefined) {
    throw new HttpError(400, `request target ${JSON.stringify(target)} does not suit ${method}`);
  }
  if (hosts === 1) {
    // An absolute-form target carries the authority; then Host may be empty (RFC 9112 §3.2).
    const host = headers.get("host")!;
    if (!isValidHost(host) && !(host === "" && form === "absolute")) {
      throw new HttpError(400, `invalid Host header ${JSON.stringify(host)}`);
    }
  }
  // A CONNECT request has no content: what follows the head belongs to the tunnel.
  const body = method === "CONNECT"
    ? { kind: "none" as const }
    : requestBodyLength(headers, version);
  return { method, target, form, version, headers, body };
}
