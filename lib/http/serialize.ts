import { HttpError } from "./errors.ts";
import type { HeaderList } from "./headers.ts";
import { encodeLatin1 } from "./_chars.ts";

/** What {@link serializeRequestHead} writes. */
export interface RequestHeadInit {
  /** The method token. */
  readonly method: string;
  /** The request-target, in the form the recipient expects (origin-form upstream). */
  readonly target: string;
  /** The protocol version. @default "HTTP/1.1" */
  readonly version?: string;
  /** The header fields, in order. */
  readonly headers: HeaderList;
}

/** What {@link serializeResponseHead} writes. */
export interface ResponseHeadInit {
  /** The protocol version. @default "HTTP/1.1" */
  readonly version?: string;
  /** The status code, 100..999. */
  readonly status: number;
  /** The reason phrase (may be empty). */
  readonly reason: string;
  /** The header fields, in order. */
  readonly headers: HeaderList;
}

const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const TARGET_RE = /^[\x21-\x7e]+$/;
const VALUE_RE = /^[\t\x20-\x7e\x80-\xff]*$/;
const VERSION_RE = /^HTTP\/\d\.\d$/;

/**
 * Encodes a request head: request line, one line per field, the empty line. Throws
 * {@link HttpError} 500 when a part would break the framing (a CR or LF in a value, a name
 * that is not a token), so header rules can never split a message.
 */
export function serializeRequestHead(head: RequestHeadInit): Uint8Array {
  const version = head.version ?? "HTTP/1.1";
  if (!TOKEN_RE.test(head.method)) throw invalid("method", head.method);
  if (!TARGET_RE.test(head.target)) throw invalid("request target", head.target);
  if (!VERSION_RE.test(version)) throw invalid("version", version);
  return encodeLatin1(`${head.method} ${head.target} ${version}\r\n${fields(head.headers)}\r\n`);
}

/** Encodes a response head: status line, one line per field, the empty line (same checks). */
export function serializeResponseHead(head: ResponseHeadInit): Uint8Array {
  const version = head.version ?? "HTTP/1.1";
  if (!VERSION_RE.test(version)) throw invalid("version", version);
  if (!(Number.isInteger(head.status) && head.status >= 100 && head.status <= 999)) {
    throw invalid("status", String(head.status));
  }
  if (!VALUE_RE.test(head.reason)) throw invalid("reason phrase", head.reason);
  return encodeLatin1(`${version} ${head.status} ${head.reason}\r\n${fields(head.headers)}\r\n`);
}

function fields(headers: HeaderList): string {
  let out = "";
  for (let i = 0; i < headers.size; i++) {
    const name = headers.name(i);
    const value = headers.value(i);
    if (!TOKEN_RE.test(name)) throw invalid("header name", name);
    if (!VALUE_RE.test(value)) throw invalid(`value of header ${JSON.stringify(name)}`, value);
    out += `${name}: ${value}\r\n`;
  }
  return out;
}

function invalid(what: string, text: string): HttpError {
  return new HttpError(500, `invalid ${what} ${JSON.stringify(text)}`);
}

/** A head and its body in one buffer, for a single write. */
export function withBody(head: Uint8Array, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}
