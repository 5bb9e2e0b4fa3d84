import { HttpError } from "../../http/errors.ts";
import { reasonPhrase } from "../../http/status.ts";
import { debugEnabled } from "../../log/level.ts";
import { logger } from "../logger.ts";
import { UpstreamConn } from "../upstream_conn.ts";
import { type ConnectState, openUpstream } from "./_connect.ts";
import { exchange, RETRY } from "./_exchange.ts";
import { upstreamRequest } from "./_upstream_head.ts";
import type { RequestContext } from "./context.ts";
import { sendAnswer } from "./respond.ts";

/** Largest body copied behind the head into one write; a larger one is streamed. */
const MAX_COMBINED_BODY = 16 * 1024;

/**
 * Phase 4, the `proxy` action: picks a server (skipping those marked down), connects or
 * takes an idle pooled connection, and runs the exchange. A connect that fails or times out
 * moves on to the next server before any byte of the request is sent (nginx's
 * `proxy_next_upstream error timeout`), counting against the server's passive health. A
 * pooled connection the server had closed is replaced once by a fresh one when the request
 * can be sent again (see `exchange`). Answers 503 when every server is down, 502 when none
 * could be connected (504 when the last attempt timed out, as nginx does). Returns whether
 * the client connection stays open.
 */
export async function forward(ctx: RequestContext): Promise<boolean> {
  const loc = ctx.location!;
  const group = loc.group!;
  const client = ctx.client;
  const state: ConnectState = {};
  client.h2?.watch(); // an HTTP/2 stream reset while connecting or waiting cuts the exchange
  let fresh = false;
  let request: Uint8Array | null = null;
  let bodySent = false;
  while (true) {
    const up = await openUpstream(ctx, { reuse: !fresh, state });
    if (!(up instanceof UpstreamConn)) {
      ctx.error = up.error;
      return await failEarly(ctx, up.status, up.error);
    }
    client.tracker.add(up.conn, false);
    up.reader.maxRead = client.reader.maxRead = loc.location.maxReadBuf ?? Infinity;
    if (request === null) {
      // Built once: a retry sends the same bytes (the body, if included, was consumed).
      const length = ctx.head.body.kind === "length" ? ctx.head.body.length : -1;
      bodySent = ctx.head.body.kind === "none" ||
        (length >= 0 && client.reader.buffered >= length);
      let body: Uint8Array | null = null;
      if (length > 0 && bodySent) {
        if (length <= MAX_COMBINED_BODY) body = client.reader.view().subarray(0, length);
        else bodySent = false; // streamed after the head instead
      }
      try {
        request = upstreamRequest(ctx, client.out, body);
      } catch (e) {
        if (!(e instanceof HttpError)) throw e;
        client.tracker.delete(up.conn);
        group.release(up, true);
        ctx.error = e.message;
        return await failEarly(ctx, 500, e.message);
      }
      if (body !== null) {
        client.reader.consume(length);
        ctx.bodyRead = true;
      }
    }
    const result = await exchange(ctx, {
      upstream: up,
      bytes: request,
      bodySent,
      mayRetry: !fresh,
    });
    if (result !== RETRY) return result;
    if (debugEnabled()) {
      logger.debug("conn {id} {peer}: {upstream} closed a kept-alive connection; resending", {
        id: client.id,
        peer: client.peer,
        upstream: up.server.addr,
      });
    }
    fresh = true;
  }
}

/** Answers before anything was sent upstream; the request body may still be unread. */
function failEarly(ctx: RequestContext, status: number, message: string): Promise<boolean> {
  const client = ctx.client;
  logger.warn("conn {id} {peer} {method} {target}: {status} {error}", {
    id: client.id,
    peer: client.peer,
    method: ctx.head.method,
    target: ctx.target,
    status,
    error: message,
  });
  return sendAnswer(ctx, { status, body: `${status} ${reasonPhrase(status)}: ${message}\n` });
}
