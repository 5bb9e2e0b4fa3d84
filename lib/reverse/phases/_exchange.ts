import {
  answerClosing,
  ExchangeEngine,
  type ExchangeRequest,
  RETRY,
} from "../../http/exchange/exchange.ts";
import type { ExchangeHooks, ResponseInfo } from "../../http/exchange/hooks.ts";
import { HttpError } from "../../http/errors.ts";
import { reasonPhrase } from "../../http/status.ts";
import { PacedSink } from "../../net/paced_sink.ts";
import { debugEnabled } from "../../log/level.ts";
import { errorText } from "../../log/logger.ts";
import { WAIT_NONE, WAIT_STALL } from "../client_conn.ts";
import { upstreamResponded } from "../../metrics/families.ts";
import { logger } from "../logger.ts";
import type { UpstreamConn } from "../upstream_conn.ts";
import { streamFields } from "../_h2_stream.ts";
import { passesAsIs, responseFields, responseHead } from "./_response_head.ts";
import type { RequestContext } from "./context.ts";
import { sendAnswer } from "./respond.ts";

export { RETRY };

/** Methods whose requests may be sent twice (RFC 9110 §9.2.2). */
const IDEMPOTENT: ReadonlySet<string> = new Set([
  "GET",
  "HEAD",
  "PUT",
  "DELETE",
  "OPTIONS",
  "TRACE",
]);

/** What the reverse proxy does its own way in the shared exchange; one object for all requests. */
const HOOKS: ExchangeHooks<RequestContext, UpstreamConn> = {
  resendable(ctx, up, bodySent) {
    return up.requests > 0 && bodySent && IDEMPOTENT.has(ctx.head.method);
  },
  awaiting(ctx, _up, bodySent) {
    // No byte either way for a period ends the wait: proxyRead once the request is sent, the
    // longer of proxyRead and proxyWrite while its body still streams.
    const timeouts = ctx.location!.location.timeouts;
    ctx.client.watchStall(
      bodySent ? timeouts.proxyRead : Math.max(timeouts.proxyRead, timeouts.proxyWrite),
    );
  },
  stalled(ctx, up, headStarted) {
    if (ctx.client.fired !== WAIT_STALL) return null;
    if (headStarted) return `${up.address} timed out`;
    return `no response from ${up.address} within ${ctx.location!.location.timeouts.proxyRead} ms`;
  },
  received(ctx, up, response) {
    const group = ctx.location!.group!;
    group.succeeded(up.server);
    upstreamResponded(group.upstream.name, up.server.addr, ctx.elapsed() / 1000);
    ctx.status = response.status;
    ctx.upStatus = response.status;
  },
  upstreamFailed(ctx, up) {
    ctx.location!.group!.failed(up.server);
  },
  bodyCopied(ctx) {
    ctx.bodyRead = true;
  },
  responseStart,
  responding(ctx) {
    const client = ctx.client;
    const location = ctx.location!.location;
    client.responding = true;
    client.watchStall(Math.max(location.timeouts.proxyRead, location.timeouts.clientWrite));
    const sink = client.h2?.sink ?? client.conn;
    // rate_limit: the response goes out paced; each slice counts as progress.
    const rate = location.rateLimit;
    return rate ? new PacedSink(sink, rate, { onProgress: () => client.wrote() }) : sink;
  },
  ended(ctx) {
    ctx.client.responding = false;
    ctx.client.clear();
  },
  failed(ctx, status, message) {
    ctx.error = message;
    ctx.status = status;
    logFailure(ctx, message);
  },
  answer(ctx, status, message, bodyRead) {
    const client = ctx.client;
    if (client.fired !== WAIT_NONE && client.fired !== WAIT_STALL) return Promise.resolve(false);
    client.fired = WAIT_NONE;
    return sendAnswer(ctx, {
      status,
      body: `${status} ${reasonPhrase(status)}: ${message}\n`,
      close: !bodyRead,
    });
  },
  relayFailed(ctx, up, e, started) {
    if (!started) return;
    const client = ctx.client;
    if (e instanceof HttpError) {
      ctx.error = `${up.address}: ${e.message}`;
      logFailure(ctx, ctx.error);
    } else if (client.fired === WAIT_NONE && debugEnabled()) {
      logger.debug("conn {id} {peer}: client went away during the response: {error}", {
        id: client.id,
        peer: client.peer,
        error: errorText(e),
      });
    }
    if (client.fired === WAIT_STALL) ctx.error = "no progress within the timeout";
    client.responding = false;
  },
  relayed(ctx) {
    // An HTTP/2 stream's body is complete (a broken one was cut off before).
    ctx.client.h2?.end();
  },
  answerClosing(ctx, status, message) {
    if (ctx.client.h2 === null) return answerClosing(ctx, status, message);
    return sendAnswer(ctx, { status, body: `${status} ${reasonPhrase(status)}: ${message}\n` })
      .then(() => {});
  },
  release,
};

const ENGINE = new ExchangeEngine(HOOKS);

/**
 * Runs the shared HTTP/1.1 exchange for `request` (see `ExchangeEngine.run`). Returns
 * {@link RETRY} when its connection came from the pool and turned out closed before any
 * response byte — for an idempotent request whose body was all in the bytes sent — else
 * whether the client connection stays open. Answers 504 when no response head arrives within
 * `proxyRead` of the last progress, 502 for a broken or missing response.
 */
export function exchange(
  ctx: RequestContext,
  request: ExchangeRequest<UpstreamConn>,
): Promise<boolean | typeof RETRY> {
  ctx.client.upstream = request.upstream;
  return ENGINE.run(ctx, request);
}

/**
 * The response's first bytes: the upstream's head byte for byte when it can pass as is,
 * else rewritten into the connection's head buffer; the body behind it when given.
 */
function responseStart(ctx: RequestContext, info: ResponseInfo, body: Uint8Array | null) {
  if (ctx.client.h2 !== null) return responseStream(ctx, info, body);
  const out = ctx.client.out;
  const raw = info.raw;
  const asIs = passesAsIs(ctx, info.response, info);
  if (!asIs) responseHead(ctx, info.response, raw, info, out);
  if (body === null) return asIs ? raw : out.view();
  if (!asIs) {
    out.bytes(body);
    return out.view();
  }
  if (body.buffer === raw.buffer && body.byteOffset === raw.byteOffset + raw.length) {
    // The body follows the head in the reader's buffer: one view over both.
    return new Uint8Array(raw.buffer, raw.byteOffset, raw.length + body.length);
  }
  out.reset().bytes(raw);
  out.bytes(body);
  return out.view();
}

/**
 * Answers an HTTP/2 stream with the response's status and end-to-end fields (the rules
 * applied): with `body` when it came whole, else a streamed body that the relay writes to the
 * stream's sink. Returns no bytes (nothing goes to the client as HTTP/1.1).
 */
function responseStream(
  ctx: RequestContext,
  info: ResponseInfo,
  body: Uint8Array | null,
): Uint8Array {
  const response = info.response;
  const status = response.status;
  const headers = streamFields(responseFields(ctx, response));
  const h2 = ctx.client.h2!;
  const length = info.length;
  if (
    ctx.head.method === "HEAD" || status === 204 || status === 304 || length.kind === "none" ||
    (length.kind === "length" && length.length === 0)
  ) {
    h2.respond(status, headers, null);
  } else if (body !== null) {
    h2.respond(status, headers, body.slice()); // the reader's buffer is reused
  } else {
    h2.stream(status, headers);
  }
  return NO_BYTES;
}

const NO_BYTES = new Uint8Array(0);

function logFailure(ctx: RequestContext, error: string): void {
  logger.warn("conn {id} {peer} {method} {target}: {error}", {
    id: ctx.client.id,
    peer: ctx.client.peer,
    method: ctx.head.method,
    target: ctx.target,
    error,
  });
}

/** Hands `up` back to its group (pooled or closed) and forgets it on the client side. */
function release(ctx: RequestContext, up: UpstreamConn, keep: boolean): void {
  const client = ctx.client;
  if (client.upstream === up) client.upstream = null;
  client.tracker.delete(up.conn);
  ctx.location!.group!.release(up, keep);
}
