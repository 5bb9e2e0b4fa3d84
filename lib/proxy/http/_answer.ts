import { wantsKeepAlive } from "../../http/connection.ts";
import { errorResponse } from "../../http/error_response.ts";
import { errorStatus, type HttpError } from "../../http/errors.ts";
import type { ConnectError } from "../../net/connect.ts";
import { logDone, logFailure } from "./_log.ts";
import { lingerClose as lingerConn } from "../../http/linger.ts";
import type { RequestHead } from "../../http/request_head.ts";
import { writeAll } from "../../net/write.ts";
import type { HttpSession } from "./_session.ts";

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
  await lingerConn(s.client, s.reader);
}

/**
 * Answers a request that failed before anything was forwarded (a bad target, a failed
 * connect) with the status {@link errorStatus} gives, after its warning and debug lines.
 */
export function rejectError(
  s: HttpSession,
  head: RequestHead,
  e: HttpError | ConnectError,
): Promise<boolean> {
  const status = errorStatus(e);
  logFailure(s, head, e.message);
  logDone(s, head, status);
  return reject(s, head, { status, message: e.message });
}
