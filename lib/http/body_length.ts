import { HttpError } from "./errors.ts";
import type { HeaderList } from "./headers.ts";
import { isToken } from "./_chars.ts";

/** How a message body is delimited (RFC 9112 §6). */
export type BodyLength =
  | { readonly kind: "none" }
  | { readonly kind: "length"; readonly length: number }
  | { readonly kind: "chunked" }
  | { readonly kind: "close" };

/** No body. */
export const NO_BODY: BodyLength = Object.freeze({ kind: "none" });
/** A chunked body. */
export const CHUNKED_BODY: BodyLength = Object.freeze({ kind: "chunked" });
/** A body that ends when the sender closes the connection (responses only). */
export const CLOSE_BODY: BodyLength = Object.freeze({ kind: "close" });

// 15 digits stay below Number.MAX_SAFE_INTEGER.
const MAX_LENGTH_DIGITS = 15;

/**
 * The value of the Content-Length fields (RFC 9110 §8.6): undefined when there is none. Every
 * field and list element must be the same run of digits (`5`, `5, 5`); anything else —
 * differing values, signs, spaces inside, empty elements — throws {@link HttpError} with
 * `status`.
 */
export function parseContentLength(headers: HeaderList, status = 400): number | undefined {
  const values = headers.getAll("content-length");
  if (values.length === 0) return undefined;
  if (values.length === 1) {
    // The usual single plain number, without splitting or patterns.
    const n = plainNumber(values[0]);
    if (n >= 0) return n;
  }
  let result: number | undefined;
  for (const value of values) {
    for (const part of value.split(",")) {
      const digits = part.trim();
      if (!/^[0-9]+$/.test(digits)) {
        throw new HttpError(status, `invalid Content-Length ${JSON.stringify(value)}`);
      }
      const stripped = digits.replace(/^0+(?=.)/, "");
      if (stripped.length > MAX_LENGTH_DIGITS) {
        throw new HttpError(status, `Content-Length ${JSON.stringify(value)} is too large`);
      }
      const n = Number(stripped);
      if (result !== undefined && n !== result) {
        throw new HttpError(status, `differing Content-Length values ${JSON.stringify(values)}`);
      }
      result = n;
    }
  }
  return result;
}

/**
 * The transfer codings named by the Transfer-Encoding fields, lower case, in order (empty when
 * there is none). Throws {@link HttpError} with `status` for a coding that is not a token or
 * `chunked` anywhere but last.
 */
export function parseTransferEncoding(headers: HeaderList, status = 400): string[] {
  const values = headers.getAll("transfer-encoding");
  if (values.length === 0) return [];
  const codings: string[] = [];
  for (const value of values) {
    for (const part of value.split(",")) {
      // Parameters (`;q=1`) belong to the coding; only its name matters for framing.
      const name = part.split(";", 1)[0].trim().toLowerCase();
      if (name === "") {
        if (part.trim() === "") continue; // empty list elements are allowed (RFC 9110 §5.6.1)
        throw new HttpError(status, `invalid Transfer-Encoding ${JSON.stringify(value)}`);
      }
      if (!isToken(name)) {
        throw new HttpError(status, `invalid Transfer-Encoding ${JSON.stringify(value)}`);
      }
      codings.push(name);
    }
  }
  if (codings.length === 0) {
    throw new HttpError(status, `empty Transfer-Encoding ${JSON.stringify(values.join(", "))}`);
  }
  const first = codings.indexOf("chunked");
  if (first >= 0 && first !== codings.length - 1) {
    throw new HttpError(
      status,
      `Transfer-Encoding ${JSON.stringify(codings.join(", "))} applies chunked before the end`,
    );
  }
  return codings;
}

/**
 * The body length of a request (RFC 9112 §6.3), as strict as nginx about Transfer-Encoding:
 * the only framing coding accepted is one field whose value is `chunked` (any case). Throws
 * {@link HttpError} 400 for the ambiguous framings used in request smuggling (Transfer-Encoding
 * in HTTP/1.0, with Content-Length, or in more than one field; a bad Content-Length) and 501
 * for any other Transfer-Encoding value (`gzip, chunked`, `identity, chunked`, `gzip`): an
 * intermediary that forwarded those as it got them would leave the framing to be guessed.
 */
export function requestBodyLength(headers: HeaderList, version: string): BodyLength {
  const te = headers.count("transfer-encoding");
  if (te > 0) {
    if (version === "HTTP/1.0") {
      throw new HttpError(400, "Transfer-Encoding in an HTTP/1.0 request");
    }
    if (te > 1) throw new HttpError(400, "more than one Transfer-Encoding header");
    if (headers.has("content-length")) {
      throw new HttpError(400, "Content-Length and Transfer-Encoding together");
    }
    const value = headers.get("transfer-encoding")!;
    if (value.length !== 7 || value.toLowerCase() !== "chunked") {
      throw new HttpError(
        501,
        `Transfer-Encoding ${JSON.stringify(value)} is not supported (only chunked)`,
      );
    }
    return CHUNKED_BODY;
  }
  const length = parseContentLength(headers, 400);
  if (length === undefined || length === 0) return NO_BODY;
  return { kind: "length", length };
}

/**
 * The body length of a response to a `method` request (RFC 9112 §6.3): none after HEAD, for
 * 1xx, 204 and 304, and for a 2xx to CONNECT; chunked when that is the final transfer coding;
 * until close for any other coding; else Content-Length, else until close. Throws
 * {@link HttpError} 502 for a malformed Content-Length or Transfer-Encoding.
 */
export function responseBodyLength(
  head: { readonly status: number; readonly headers: HeaderList },
  method: string,
): BodyLength {
  const { status, headers } = head;
  if (method === "HEAD" || status < 200 || status === 204 || status === 304) return NO_BODY;
  if (method === "CONNECT" && status < 300) return NO_BODY;
  if (headers.has("transfer-encoding")) {
    const codings = parseTransferEncoding(headers, 502);
    return codings[codings.length - 1] === "chunked" ? CHUNKED_BODY : CLOSE_BODY;
  }
  const length = parseContentLength(headers, 502);
  if (length === undefined) return CLOSE_BODY;
  return length === 0 ? NO_BODY : { kind: "length", length };
}

/** `text` as a number when it is 1..15 digits without a superfluous leading zero, else -1. */
function plainNumber(text: string): number {
  const len = text.length;
  if (len === 0 || len > MAX_LENGTH_DIGITS || (len > 1 && text.charCodeAt(0) === 0x30)) {
    return -1;
  }
  let n = 0;
  for (let i = 0; i < len; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}
