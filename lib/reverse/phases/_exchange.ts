import { copyBody } from "../../http/body_copy.ts";
import { type BodyLength, responseBodyLength } from "../../http/body_length.ts";
import { endToEndHeaders, wantsKeepAlive } from "../../http/connection.ts";
import { errorResponse } from "../../http/error_response.ts";
import { HttpError } from "../../http/errors.ts";
import { parseResponseHead, type ResponseHead } from "../../http/response_head.ts";
import { serializeResponseHead } from "../../http/serialize.ts";
import { reasonPhrase } from "../../http/status.ts";
import { type ByteSink, writeAll } from "../../net/write.ts";
import { PacedSink } from "../../net/paced_sink.ts";
import { safeClose } from "../../net/relay.ts";
import { debugEnabled } from "../../log/level.ts";
import { WAIT_NONE, WAIT_STALL } from "../_client.ts";
import { errorText } from "../../log/logger.ts";
import { logger } from "../_log.ts";
import type { UpstreamConn } from "../upstream_conn.ts";
import { passesAsIs, responseHead } from "./_response_head.ts";
import type { RequestContext } from "./context.ts";
import { sendAnswer } from "./respond.ts";

/** {@link exchange}: the pooled connection was stale; send the request again, fresh. */
export const RETRY: unique symbol = Symbol("retry");

/** Methods whose requests may be sent twice (RFC 9110 §9.2.2). */
const IDEMPOTENT: ReadonlySet<string> = new Set([
  "GET",
  "HEAD",
  "PUT",
  "DELETE",
  "OPTIONS",
  "TRACE",
]);

/** The request body being copied upstream while the response is awaited. */
interface BodyTask {
  done: boolean;
  error: unknown;
  promise: Promise<void>;
}

const BODY_SENT: BodyTask = Object.freeze({
  done: true,
  error: undefined,
  promise: Promise.resolve(),
}) as BodyTask;

/** Options for {@link exchange}. */
export interface ExchangeOptions {
  /** The whole body (if any) is in `request`, so nothing is read from the client. */
  readonly bodySent: boolean;
  /** A stale pooled connection may be answered with {@link RETRY}. */
  readonly mayRetry: boolean;
}

/**
 * Sends `request` (head, and body when `bodySent`) on `up`, streams the rest of the body
 * while awaiting the response, passes 1xx answers to HTTP/1.1 clients (so `Expect:
 * 100-continue` works end to end) and relays the response: in one write with its body when
 * the body came with the head, else head then body streamed. Returns {@link RETRY} when `up`
 * came from the pool and turned out closed before any response byte — for an idempotent
 * request whose body was all in `request` — else whether the client connection stays open.
 * Answers 504 when no response head arrives within `proxyRead` of the last progress, 502 for
 * a broken or missing response.
 */
export async function exchange(
  ctx: RequestContext,
  up: UpstreamConn,
  request: Uint8Array,
  options: ExchangeOptions,
): Promise<boolean | typeof RETRY> {
  const { client, head } = ctx;
  const loc = ctx.location!;
  const group = loc.group!;
  const timeouts = loc.location.timeouts;
  const canRetry = options.mayRetry && up.requests > 0 && options.bodySent &&
    IDEMPOTENT.has(head.method);
  client.upstream = up;
  const readBefore = up.bytesRead;
  try {
    const n = await up.conn.write(request);
    if (n < request.length) await writeAll(up.conn, request.subarray(n));
  } catch (e) {
    if (canRetry) {
      release(ctx, up, false);
      return RETRY;
    }
    const why = `writing to ${up.server.addr}: ${errorText(e)}`;
    return await failBeforeResponse(ctx, up, BODY_SENT, 502, why);
  }
  const body = options.bodySent ? BODY_SENT : startBody(ctx, up);
  // No byte either way for a period ends the wait: proxyRead once the request is sent, the
  // longer of proxyRead and proxyWrite while its body still streams.
  client.watchStall(
    options.bodySent ? timeouts.proxyRead : Math.max(timeouts.proxyRead, timeouts.proxyWrite),
  );
  const reader = up.reader;
  let response: ResponseHead;
  let raw: Uint8Array;
  let length: BodyLength;
  try {
    while (true) {
      let bytes: Uint8Array | null | undefined = reader.takeHead("response");
      while (bytes === undefined) {
        if (await reader.fill()) bytes = reader.takeHead("response");
        else if (reader.buffered === 0) bytes = null;
        else throw new HttpError(502, "connection closed in the middle of a response head");
      }
      if (bytes === null) {
        if (client.fired === WAIT_STALL) {
          group.failed(up.server);
          const why = `no response from ${up.server.addr} within ${timeouts.proxyRead} ms`;
          return await failBeforeResponse(ctx, up, body, 504, why);
        }
        if (canRetry && up.bytesRead === readBefore) {
          release(ctx, up, false);
          return RETRY;
        }
        if (body.error === undefined) group.failed(up.server);
        const why = `${up.server.addr} closed without a response`;
        return await failBeforeResponse(ctx, up, body, 502, why);
      }
      response = parseResponseHead(bytes);
      raw = bytes;
      if (response.status >= 200) break;
      if (response.status === 101) {
        return await failBeforeResponse(ctx, up, body, 502, `${up.server.addr} switched protocols`);
      }
      // 1xx: interim answers go to HTTP/1.1 clients only (RFC 9110 §15.2).
      if (head.version === "HTTP/1.1") {
        await writeAll(
          client.conn,
          serializeResponseHead({ ...response, headers: endToEndHeaders(response.headers) }),
        );
      }
    }
    length = responseBodyLength(response, head.method);
  } catch (e) {
    if (e instanceof HttpError) {
      if (client.fired === WAIT_STALL) {
        return await failBeforeResponse(ctx, up, body, 504, `${up.server.addr} timed out`);
      }
      group.failed(up.server);
      return await failBeforeResponse(ctx, up, body, 502, `${up.server.addr}: ${e.message}`);
    }
    // Writing a 1xx failed: the client is gone.
    await closeAll(ctx, up, body);
    return false;
  }
  group.succeeded(up.server);

  // The response.
  ctx.status = response.status;
  ctx.upStatus = response.status;
  // An HTTP/1.0 client cannot read chunked: send the data alone, ended by closing.
  const dechunk = head.version === "HTTP/1.0" && length.kind === "chunked";
  let clientKeep = length.kind !== "close" && !dechunk &&
    wantsKeepAlive(head.version, head.headers);
  const headers = response.headers;
  let upstreamKeep = length.kind !== "close" && wantsKeepAlive(response.version, headers) &&
    !(length.kind === "chunked" && headers.has("content-length"));
  const framing = { keep: clientKeep, dechunk };
  let asIs: boolean;
  try {
    asIs = passesAsIs(ctx, response, framing);
    if (!asIs) responseHead(ctx, response, raw, framing, client.out);
  } catch (e) {
    // A response rule made an invalid field.
    if (!(e instanceof HttpError)) throw e;
    return await failBeforeResponse(ctx, up, body, 500, e.message);
  }
  client.responding = true;
  client.watchStall(Math.max(timeouts.proxyRead, timeouts.clientWrite));
  // rate_limit: the response goes out paced; each slice counts as progress.
  const rate = loc.location.rateLimit;
  const sink: ByteSink = rate
    ? new PacedSink(client.conn, rate, { onProgress: () => client.wrote() })
    : client.conn;
  try {
    const n = length.kind === "length" ? length.length : 0;
    if (length.kind === "none" || (length.kind === "length" && reader.buffered >= n)) {
      // The whole body came with the head (the usual small response): one write for both.
      let out: Uint8Array;
      if (n === 0) {
        out = asIs ? raw : client.out.view();
      } else {
        const bodyBytes = reader.view().subarray(0, n);
        if (!asIs) {
          client.out.bytes(bodyBytes);
          out = client.out.view();
        } else if (
          bodyBytes.buffer === raw.buffer && bodyBytes.byteOffset === raw.byteOffset + raw.length
        ) {
          // The body follows the head in the reader's buffer: one view over both.
          out = new Uint8Array(raw.buffer, raw.byteOffset, raw.length + n);
        } else {
          client.out.reset().bytes(raw);
          client.out.bytes(bodyBytes);
          out = client.out.view();
        }
        reader.consume(n);
      }
      if (sink !== client.conn) await writeAll(sink, out);
      else {
        const written = await client.conn.write(out);
        if (written < out.length) await writeAll(client.conn, out.subarray(written));
      }
    } else {
      await writeAll(sink, asIs ? raw : client.out.view());
      await copyBody(reader, sink, { length, dechunk, status: 502 });
    }
  } catch (e) {
    if (e instanceof HttpError) {
      ctx.error = `${up.server.addr}: ${e.message}`;
      logger.warn("conn {id} {peer} {method} {target}: {error}", {
        id: client.id,
        peer: client.peer,
        method: head.method,
        target: ctx.target,
        error: ctx.error,
      });
    } else if (client.fired === WAIT_NONE && debugEnabled()) {
      logger.debug("conn {id} {peer}: client went away during the response: {error}", {
        id: client.id,
        peer: client.peer,
        error: errorText(e),
      });
    }
    if (client.fired === WAIT_STALL) ctx.error = "no progress within the timeout";
    client.responding = false;
    await closeAll(ctx, up, body);
    return false;
  }
  client.responding = false;
  client.clear();
  if (!body.done) {
    // The response ended before the request body did: neither side can be reused.
    await closeAll(ctx, up, body);
    return false;
  }
  if (body.error) clientKeep = upstreamKeep = false;
  release(ctx, up, upstreamKeep);
  return clientKeep;
}

function startBody(ctx: RequestContext, up: UpstreamConn): BodyTask {
  const task: BodyTask = { done: false, error: undefined, promise: Promise.resolve() };
  task.promise = copyBody(ctx.client.reader, up.conn, { length: ctx.head.body }).then(
    () => {
      task.done = true;
      ctx.bodyRead = true;
    },
    (e) => {
      task.error = e;
      // The client broke its body: stop waiting for a response to it.
      if (e instanceof HttpError) up.abort();
    },
  );
  return task;
}

/**
 * The exchange failed before any response reached the client: answers with the client's
 * body error (400...) when the body was at fault, else `status`, and keeps the client
 * connection when its request was read in full.
 */
async function failBeforeResponse(
  ctx: RequestContext,
  up: UpstreamConn,
  body: BodyTask,
  status: number,
  message: string,
): Promise<boolean> {
  const { client, head } = ctx;
  const clientFault = body.error instanceof HttpError;
  if (clientFault) {
    status = (body.error as HttpError).status;
    message = (body.error as HttpError).message;
  }
  ctx.error = message;
  logger.warn("conn {id} {peer} {method} {target}: {error}", {
    id: client.id,
    peer: client.peer,
    method: head.method,
    target: ctx.target,
    error: message,
  });
  if (!body.done) {
    // Let a body copy blocked on the upstream end before answering.
    up.abort();
    if (!clientFault) {
      // The rest of the client's body can only be dropped with the connection.
      ctx.status = status;
      const bytes = errorResponse(status, message, {
        close: true,
        bodyless: head.method === "HEAD",
      });
      await writeAll(client.conn, bytes).catch(() => {});
      await closeAll(ctx, up, body);
      return false;
    }
    await body.promise;
  }
  release(ctx, up, false);
  if (client.fired !== WAIT_NONE && client.fired !== WAIT_STALL) return false;
  client.fired = WAIT_NONE;
  return await sendAnswer(ctx, {
    status,
    body: `${status} ${reasonPhrase(status)}: ${message}\n`,
    close: !body.done,
  });
}

/** Closes both connections and waits for the body copy to notice. */
async function closeAll(ctx: RequestContext, up: UpstreamConn, body: BodyTask): Promise<void> {
  safeClose(ctx.client.conn);
  up.abort();
  await body.promise;
  release(ctx, up, false);
}

/** Hands `up` back to its group (pooled or closed) and forgets it on the client side. */
function release(ctx: RequestContext, up: UpstreamConn, keep: boolean): void {
  const client = ctx.client;
  if (client.upstream === up) client.upstream = null;
  client.tracker.delete(up.conn);
  ctx.location!.group!.release(up, keep);
}
