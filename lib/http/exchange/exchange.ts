/**
 * One HTTP/1.1 exchange with an upstream, shared by the forward and the reverse proxy (as
 * Pingora's `proxy_h1` serves every `ProxyHttp`): send the request, stream the rest of its
 * body while awaiting the response, pass 1xx answers on, relay the final response, and
 * decide whether either connection can be reused. What differs between the proxies comes
 * from {@link ExchangeHooks}: logging, retry policy, health, stall watches, how the response
 * head is made, where its bytes go, how an error is answered and how a connection is handed
 * back.
 * @module
 */
import { copyBody } from "../body_copy.ts";
import { type BodyLength, NO_BODY, responseBodyLength } from "../body_length.ts";
import { endToEndHeaders, wantsKeepAlive } from "../connection.ts";
import { errorResponse } from "../error_response.ts";
import { errorStatus, HttpError } from "../errors.ts";
import { parseResponseHead, type ResponseHead } from "../response_head.ts";
import { serializeResponseHead } from "../serialize.ts";
import { safeClose } from "../../net/relay.ts";
import { cancelWatch, type LateWatch, watchLater } from "../watch_later.ts";
import { writeAll } from "../../net/write.ts";
import { BODY_SENT, BodyTask, startBody } from "./_body_task.ts";
import type { ExchangeContext, ExchangeHooks, ExchangeUpstream, ResponseInfo } from "./hooks.ts";

/** {@link ExchangeEngine.run}: the reused connection was stale; send the request again, fresh. */
export const RETRY: unique symbol = Symbol("retry");

/** One request to send with {@link ExchangeEngine.run}. */
export interface ExchangeRequest<U> {
  /** The connection to send it on. */
  readonly upstream: U;
  /** The request head, with the whole body behind it when `bodySent`. */
  readonly bytes: Uint8Array;
  /** The whole body (if any) is in `bytes`, so nothing is read from the client. */
  readonly bodySent: boolean;
  /** A stale reused connection may be answered with {@link RETRY} (the retry policy agreeing). */
  readonly mayRetry: boolean;
}

/** A body copy that never started: the request head could not be sent. */
const NOT_STARTED: BodyTask = Object.freeze(new BodyTask(false)) as BodyTask;
/** {@link readFinalHead}: the upstream answered 101 to a request that asked for no upgrade. */
const SWITCHED: unique symbol = Symbol("switched");
const EMPTY = new Uint8Array(0);

/** The state of one exchange; also what the hooks see of the response. */
class Exchange<X extends ExchangeContext, U extends ExchangeUpstream>
  implements ResponseInfo, LateWatch {
  readonly hooks: ExchangeHooks<X, U>;
  readonly x: X;
  readonly up: U;
  body: BodyTask = BODY_SENT;
  canRetry = false;
  released = false;
  response!: ResponseHead;
  raw: Uint8Array = EMPTY;
  length: BodyLength = NO_BODY;
  keep = false;
  upstreamKeep = false;
  dechunk = false;
  /** An interim (1xx) head taken but not yet passed on. */
  interim: ResponseHead | null = null;
  /** The exchange returned: the client watch must do nothing more. */
  over = false;
  /** The client closed its connection while the exchange waited: everything stops. */
  clientGone = false;

  constructor(hooks: ExchangeHooks<X, U>, x: X, up: U) {
    this.hooks = hooks;
    this.x = x;
    this.up = up;
  }

  /**
   * The request was read in full a while ago and the exchange still runs: starts the
   * client's next read (its reader's `watch`). The end of stream or an error there means the
   * client gave up, so both connections close at once instead of at the read timeout (as
   * nginx does); bytes there (a pipelined request) stay for the request loop, whose next
   * read takes them. Not when bytes are already buffered: the next request could then be
   * read without a read, and a tunnel it opens reads the socket directly.
   */
  startWatch(): void {
    const reader = this.x.client.reader;
    if (this.over || reader.buffered > 0) return;
    reader.watch(this.#clientEnded);
  }

  readonly #clientEnded = (alive: boolean): void => {
    if (alive || this.over) return;
    this.clientGone = true;
    safeClose(this.x.client.conn);
    this.up.abort();
  };
}

/** One proxy's way of running exchanges: its hooks, built once and shared by its requests. */
export class ExchangeEngine<X extends ExchangeContext, U extends ExchangeUpstream> {
  readonly #hooks: ExchangeHooks<X, U>;

  /** @param hooks what this proxy does differently */
  constructor(hooks: ExchangeHooks<X, U>) {
    this.#hooks = hooks;
  }

  /**
   * Sends `request` on its upstream connection, streams the rest of the body (unless
   * `bodySent`) while awaiting the response, passes 1xx answers to HTTP/1.1 clients (so
   * `Expect: 100-continue` works end to end) and relays the response: in one write with its
   * body when the body came with the head, else head then body streamed. Returns
   * {@link RETRY} when the connection was reused and closed before any response byte and the
   * request may be sent again, else whether the client connection stays open. Answers 502 for
   * a broken or missing response (504 when the stall watch fired), the client's status (400)
   * when its body was at fault.
   */
  run(x: X, request: ExchangeRequest<U>): Promise<boolean | typeof RETRY> {
    return runExchange(new Exchange(this.#hooks, x, request.upstream), request);
  }
}

async function runExchange<X extends ExchangeContext, U extends ExchangeUpstream>(
  t: Exchange<X, U>,
  request: ExchangeRequest<U>,
): Promise<boolean | typeof RETRY> {
  // The usual path runs in this one function: every extra async frame on it changes how
  // connections interleave under saturation (measured: the -c200 64 KiB p99 went from 30 ms
  // to 300+ ms when send, await and relay were separate async functions).
  const { hooks, x, up } = t;
  const bodySent = request.bodySent;
  t.canRetry = request.mayRetry && hooks.resendable(x, up, bodySent);
  const readBefore = up.reader.bytesRead;
  try {
    const conn = up.conn;
    const bytes = request.bytes;
    try {
      const n = await conn.write(bytes);
      if (n < bytes.length) await writeAll(conn, bytes.subarray(n));
    } catch (e) {
      return await sendFailed(t, e, bodySent);
    }
    t.body = bodySent ? BODY_SENT : startBody(hooks, x, up);
    // A client giving up while this waits is noticed, not at once: most exchanges are over
    // before, and a read that must wait costs more than one that finds its bytes.
    if (bodySent) watchLater(t);
    else t.body.promise.then(() => t.body.done && !t.over && watchLater(t));
    hooks.awaiting(x, up, bodySent);
    let got: Uint8Array | null | typeof SWITCHED;
    try {
      // Usually the whole head came with one read: no await for it.
      const bytes = up.reader.takeHead("response");
      got = bytes !== undefined && bytes !== null && finalHead(t, bytes)
        ? bytes
        : await readFinalHead(t, bytes);
    } catch (e) {
      return await headFailed(t, e);
    }
    if (t.clientGone) return await clientLeft(t);
    if (got === null) return await noResponse(t, readBefore);
    if (got === SWITCHED) {
      return await failBeforeResponse(t, 502, `${up.address} switched protocols`);
    }
    hooks.received(x, up, t.response);
    const { response, length } = t;
    const head = x.head;
    const headers = response.headers;
    // An HTTP/1.0 client cannot read chunked: send the data alone, ended by closing (an
    // HTTP/2 client gets the data alone too, in DATA frames).
    t.dechunk = head.version !== "HTTP/1.1" && length.kind === "chunked";
    t.keep = length.kind !== "close" && !t.dechunk && wantsKeepAlive(head.version, head.headers);
    // Content-Length beside Transfer-Encoding invites smuggling: never reuse that connection.
    t.upstreamKeep = length.kind !== "close" && wantsKeepAlive(response.version, headers) &&
      !(length.kind !== "length" && headers.has("transfer-encoding") &&
        headers.has("content-length"));
    const reader = up.reader;
    const n = length.kind === "length" ? length.length : 0;
    // The whole body came with the head (the usual small response): one write for both.
    const whole = length.kind === "none" || (n > 0 && reader.buffered >= n);
    let start: Uint8Array;
    try {
      start = hooks.responseStart(x, t, whole && n > 0 ? reader.view().subarray(0, n) : null);
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      return await failBeforeResponse(t, errorStatus(e), e.message);
    }
    const sink = hooks.responding(x);
    try {
      if (whole) {
        if (n > 0) reader.consume(n);
        const written = await sink.write(start);
        if (written < start.length) await writeAll(sink, start.subarray(written));
      } else {
        await writeAll(sink, start);
        await copyBody(reader, sink, { length, dechunk: t.dechunk, status: 502 });
      }
    } catch (e) {
      // The upstream, cut off because the client left, is not at fault.
      hooks.relayFailed(
        x,
        up,
        t.clientGone ? new Deno.errors.ConnectionReset("client left") : e,
        true,
      );
      await closeAll(t);
      hooks.relayed(x, response.status);
      return false;
    }
    if (!t.body.done) {
      // The response ended before the request body did: neither side can be reused.
      hooks.relayed(x, response.status);
      await closeAll(t);
      return false;
    }
    if (t.body.error) t.keep = t.upstreamKeep = false;
    release(t, t.upstreamKeep);
    hooks.relayed(x, response.status);
    return t.keep;
  } catch (e) {
    // Never leave the body copy reading the client's buffer after this returns.
    await closeAll(t);
    throw e;
  } finally {
    t.over = true;
    cancelWatch(t);
    hooks.ended(x);
  }
}

/** The client closed its connection while waiting: nothing to answer, both sides close. */
async function clientLeft<X extends ExchangeContext, U extends ExchangeUpstream>(
  t: Exchange<X, U>,
): Promise<false> {
  t.hooks.failed(t.x, 499, "the client closed its connection before the response");
  await closeAll(t);
  return false;
}

/** Writing the request failed: resend on a fresh connection when allowed, else 502. */
async function sendFailed<X extends ExchangeContext, U extends ExchangeUpstream>(
  t: Exchange<X, U>,
  e: unknown,
  bodySent: boolean,
): Promise<boolean | typeof RETRY> {
  if (t.canRetry) {
    release(t, false);
    return RETRY;
  }
  t.body = bodySent ? BODY_SENT : NOT_STARTED;
  const why = e instanceof Error ? e.message : String(e);
  return await failBeforeResponse(t, 502, `writing to ${t.up.address}: ${why}`);
}

/** Reading the response head failed: 499 when the client left, 504 on a stall, else 502. */
async function headFailed<X extends ExchangeContext, U extends ExchangeUpstream>(
  t: Exchange<X, U>,
  e: unknown,
): Promise<boolean> {
  const { hooks, x, up } = t;
  if (t.clientGone) return await clientLeft(t);
  if (!(e instanceof HttpError)) {
    // Writing a 1xx failed: the client is gone.
    hooks.relayFailed(x, up, e, false);
    await closeAll(t);
    return false;
  }
  const stall = hooks.stalled(x, up, true);
  if (stall !== null) return await failBeforeResponse(t, 504, stall);
  hooks.upstreamFailed(x, up);
  return await failBeforeResponse(t, 502, `${up.address}: ${e.message}`);
}

/**
 * Takes `bytes`, a response head, as the final one when it is (stored in `t` with its body
 * length); false for an interim (1xx) head, which {@link readFinalHead} handles.
 */
function finalHead<X extends ExchangeContext, U extends ExchangeUpstream>(
  t: Exchange<X, U>,
  bytes: Uint8Array,
): boolean {
  const response = parseResponseHead(bytes);
  if (response.status < 200) {
    t.interim = response;
    return false;
  }
  t.response = response;
  t.raw = bytes;
  t.length = responseBodyLength(response, t.x.head.method);
  return true;
}

/**
 * Reads response heads until the final one (stored in `t` with its body length), passing
 * 1xx ones to HTTP/1.1 clients (RFC 9110 §15.2); `first` is what was taken already (an
 * interim head parsed into `t.interim`, null for the end of stream, undefined for nothing
 * yet). Null when the upstream closed before a byte of a head. Throws `HttpError` for a
 * broken head, anything else when the client is gone.
 */
async function readFinalHead<X extends ExchangeContext, U extends ExchangeUpstream>(
  t: Exchange<X, U>,
  first: Uint8Array | null | undefined,
): Promise<Uint8Array | null | typeof SWITCHED> {
  const reader = t.up.reader;
  const head = t.x.head;
  let bytes = first;
  while (true) {
    if (bytes === null) return null;
    if (bytes !== undefined) {
      const interim = t.interim;
      t.interim = null;
      if (interim === null) {
        if (finalHead(t, bytes)) return bytes;
        continue;
      }
      if (interim.status === 101) return SWITCHED;
      if (head.version === "HTTP/1.1") {
        const headers = endToEndHeaders(interim.headers);
        await writeAll(t.x.client.conn, serializeResponseHead({ ...interim, headers }));
      }
    }
    bytes = reader.takeHead("response");
    while (bytes === undefined) {
      if (await reader.fill()) bytes = reader.takeHead("response");
      else if (reader.buffered === 0) bytes = null;
      else throw new HttpError(502, "connection closed in the middle of a response head");
    }
  }
}

/** The upstream closed before a response: resend when allowed, else 502 (504 on a stall). */
async function noResponse<X extends ExchangeContext, U extends ExchangeUpstream>(
  t: Exchange<X, U>,
  readBefore: number,
): Promise<boolean | typeof RETRY> {
  const { hooks, x, up } = t;
  const stall = hooks.stalled(x, up, false);
  if (stall !== null) {
    hooks.upstreamFailed(x, up);
    return await failBeforeResponse(t, 504, stall);
  }
  if (t.canRetry && up.reader.bytesRead === readBefore) {
    release(t, false);
    return RETRY;
  }
  if (t.body.error === undefined) hooks.upstreamFailed(x, up);
  return await failBeforeResponse(t, 502, `${up.address} closed without a response`);
}

/**
 * The exchange failed before any response reached the client: answers with the client's
 * body error (400...) when the body was at fault, else `status`, and keeps the client
 * connection when its request was read in full.
 */
async function failBeforeResponse<X extends ExchangeContext, U extends ExchangeUpstream>(
  t: Exchange<X, U>,
  status: number,
  message: string,
): Promise<boolean> {
  const { hooks, x, up, body } = t;
  const fault = body.error instanceof HttpError ? body.error : null;
  if (fault !== null) {
    status = errorStatus(fault);
    message = fault.message;
  }
  if (!body.done) {
    // Let a body copy blocked on the upstream end before answering.
    up.abort();
    if (fault === null) {
      // The rest of the client's body can only be dropped with the connection.
      hooks.failed(x, status, message);
      await hooks.answerClosing(x, status, message);
      await closeAll(t);
      return false;
    }
    await body.promise;
  }
  release(t, false);
  hooks.failed(x, status, message);
  return await hooks.answer(x, status, message, body.done);
}

/**
 * The usual {@link ExchangeHooks.answerClosing}: an error page with `Connection: close`
 * written to the client connection (a write error ignored: the client is gone).
 */
export async function answerClosing(
  x: ExchangeContext,
  status: number,
  message: string,
): Promise<void> {
  const bytes = errorResponse(status, message, { close: true, bodyless: x.head.method === "HEAD" });
  await writeAll(x.client.conn, bytes).catch(() => {});
}

/** Closes both connections and waits for the body copy to notice. */
async function closeAll<X extends ExchangeContext, U extends ExchangeUpstream>(
  t: Exchange<X, U>,
): Promise<void> {
  safeClose(t.x.client.conn);
  t.up.abort();
  await t.body.promise;
  release(t, false);
}

/** Hands the upstream connection back once. */
function release<X extends ExchangeContext, U extends ExchangeUpstream>(
  t: Exchange<X, U>,
  keep: boolean,
): void {
  if (t.released) return;
  t.released = true;
  t.hooks.release(t.x, t.up, keep);
}
