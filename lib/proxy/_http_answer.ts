import { wantsKeepAlive } from "../http/connection.ts";
import { HeaderList } from "../http/headers.ts";
import type { RequestHead } from "../http/request_head.ts";
import { serializeResponseHead } from "../http/serialize.ts";
import { reasonPhrase } from "../http/status.ts";
import { writeAll } from "../http/write.ts";
import { safeClose } from "../net/relay.ts";
import type { HttpSession } from "./_http_session.ts";

const encoder = new TextEncoder();
// How long a closing connection is read and discarded after an error answer, so the client
// gets the answer rather than a reset for the bytes it was still sending.
const LINGER_MS = 2000;
const LINGER_BYTES = 16 * 1024 * 1024;

/** Options for {@link errorResponse}. */
export interface ErrorResponseOptions {
  /** Send `Connection: close`. */
  readonly close: boolean;
  /** Leave the body out (the answer to a HEAD request). @default false */
  readonly bodyless?: boolean;
  /** More header fields. */
  readonly headers?: readonly (readonly [string, string])[];
}

/** A complete error answer: the status line and a short text body naming status and cause. */
export function errorResponse(
  status: number,
  message: string,
  options: ErrorResponseOptions,
): Uint8Array {
  const reason = reasonPhrase(status);
  const body = encoder.encode(`${status} ${reason}${message ? `: ${message}` : ""}\n`);
  const headers = new HeaderList([
    ["Content-Type", "text/plain; charset=utf-8"],
    ["Content-Length", String(body.length)],
    ...(options.headers ?? []),
  ]);
  if (options.close) headers.add("Connection", "close");
  const head = serializeResponseHead({ status, reason, headers });
  if (options.bodyless) return head;
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

/** Options for {@link reject}. */
export interface RejectOptions {
  readonly status: number;
  /** The cause, for the answer's body. */
  readonly message: string;
  /** More header fields (e.g. `Proxy-Authenticate`). */
  readonly headers?: readonly (readonly [string, string])[];
  /** The request body was read in full, so the connection can go on. @default false */
  readonly bodyRead?: boolean;
}

/**
 * Answers a request with an error. The connection stays open when the client wants that and
 * no unread body is left; otherwise the answer says `Connection: close` and the connection is
 * closed gracefully. Returns whether it stays open. `head` is null when the request could not
 * be parsed.
 */
export async function reject(
  s: HttpSession,
  head: RequestHead | null,
  options: RejectOptions,
): Promise<boolean> {
  const keepAlive = head !== null && (head.body.kind === "none" || options.bodyRead === true) &&
    wantsKeepAlive(head.version, head.headers);
  const bytes = errorResponse(options.status, options.message, {
    close: !keepAlive,
    bodyless: head?.method === "HEAD",
    headers: options.headers,
  });
  try {
    await writeAll(s.client, bytes);
  } catch {
    return false; // the client is gone
  }
  if (!keepAlive) await lingerClose(s);
  return keepAlive;
}

/**
 * Closes the client connection without losing the answer just written: half-closes, then
 * reads and discards what the client still sends, for a bounded time and size.
 */
export async function lingerClose(s: HttpSession): Promise<void> {
  s.watchdog.clear();
  try {
    await s.client.closeWrite();
  } catch {
    safeClose(s.client);
    return;
  }
  const timer = setTimeout(() => safeClose(s.client), LINGER_MS);
  try {
    let drained = 0;
    s.reader.consume(s.reader.buffered);
    while (drained < LINGER_BYTES && (await s.reader.fill())) {
      drained += s.reader.buffered;
      s.reader.consume(s.reader.buffered);
    }
  } catch {
    // whatever went wrong, the connection is closed below
  } finally {
    clearTimeout(timer);
    safeClose(s.client);
  }
}
