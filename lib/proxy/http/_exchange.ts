import { endToEndHeaders } from "../../http/connection.ts";
import { answerClosing, ExchangeEngine, RETRY } from "../../http/exchange/exchange.ts";
import type { ExchangeHooks, ResponseInfo } from "../../http/exchange/hooks.ts";
import { HttpError } from "../../http/errors.ts";
import { isFramingField, requestFraming } from "../../http/framing.ts";
import { HeaderList } from "../../http/headers.ts";
import type { HttpReader } from "../../http/reader.ts";
import type { RequestHead } from "../../http/request_head.ts";
import { serializeRequestHead, serializeResponseHead, withBody } from "../../http/serialize.ts";
import type { TargetAddress } from "../../http/target.ts";
import { ConnectError } from "../../net/connect.ts";
import { errorText } from "../../log/logger.ts";
import { reject, rejectError } from "./_answer.ts";
import { logDone, logFailure, logger } from "./_log.ts";
import type { HttpSession } from "./_session.ts";
import type { Upstream } from "./_upstream.ts";

/** One request of a session, as the shared exchange sees it. */
interface ForwardExchange {
  readonly s: HttpSession;
  readonly head: RequestHead;
  readonly client: { readonly conn: Deno.TcpConn; readonly reader: HttpReader };
}

/** What the forward proxy does its own way in the shared exchange; one object for all requests. */
const HOOKS: ExchangeHooks<ForwardExchange, Upstream> = {
  resendable(x, up) {
    return up.reused && x.head.body.kind === "none";
  },
  awaiting({ s }, up) {
    s.watchdog.stall(s.ctx.options.idleTimeout, () => s.reader.bytesRead + up.reader.bytesRead);
  },
  stalled() {
    return null; // the watchdog closed the client; nothing is answered
  },
  received() {},
  upstreamFailed() {},
  bodyCopied() {},
  responseStart,
  responding(x) {
    return x.client.conn;
  },
  ended(x) {
    x.s.watchdog.clear();
  },
  failed({ s, head }, status, message) {
    logFailure(s, head, message);
    logDone(s, head, status);
  },
  async answer({ s, head }, status, message, bodyRead) {
    if (s.watchdog.fired) return false;
    return await reject(s, head, { status, message, bodyRead });
  },
  answerClosing,
  relayFailed({ s, head }, up, e, started) {
    const fields = { id: s.ctx.id, peer: s.peer, error: errorText(e) };
    if (!started) {
      logger.debug("conn {id} {peer}: client went away before the response: {error}", fields);
    } else if (e instanceof HttpError) logFailure(s, head, `${up.address}: ${e.message}`);
    else if (!s.watchdog.fired) {
      logger.debug("conn {id} {peer}: client went away during the response: {error}", fields);
    }
  },
  relayed({ s, head }, status) {
    logDone(s, head, status);
  },
  release({ s }, _up, keep) {
    if (keep) s.upstream.rest();
    else s.upstream.close();
  },
};

const ENGINE = new ExchangeEngine(HOOKS);

/**
 * Forwards one absolute-form request to `target` in origin-form and streams the response
 * back. A reused upstream connection that turns out closed is replaced once (for requests
 * without a body, which can be sent again). Returns whether the client connection stays open.
 */
export async function forwardRequest(
  s: HttpSession,
  request: { readonly head: RequestHead; readonly target: TargetAddress },
): Promise<boolean> {
  const { head, target } = request;
  const x: ForwardExchange = { s, head, client: { conn: s.client, reader: s.reader } };
  const requestHead = serializeRequestHead({
    method: head.method,
    target: target.path,
    headers: upstreamHeaders(head, target),
  });
  let bytes: Uint8Array | null = null;
  let bodySent = head.body.kind === "none";
  for (let attempt = 0;; attempt++) {
    let up: Upstream;
    try {
      up = await s.upstream.acquire(target, {
        timeout: s.ctx.options.connectTimeout,
        fresh: attempt > 0,
      });
    } catch (e) {
      if (!(e instanceof ConnectError)) throw e;
      return await rejectError(s, head, e);
    }
    if (bytes === null) {
      bytes = requestHead;
      if (head.body.kind === "length" && s.reader.buffered >= head.body.length) {
        // The whole body came with the head (the usual small POST): one write for both.
        bytes = withBody(requestHead, s.reader.view().subarray(0, head.body.length));
        s.reader.consume(head.body.length);
        bodySent = true;
      }
    }
    const result = await ENGINE.run(x, { upstream: up, bytes, bodySent, mayRetry: true });
    if (result !== RETRY) return result;
    logger.debug("conn {id} {peer}: {upstream} closed a kept-alive connection; reconnecting", {
      id: s.ctx.id,
      peer: s.peer,
      upstream: up.address,
    });
    s.upstream.close();
  }
}

/**
 * The fields sent upstream: end-to-end ones, Host from the target, and the body's framing as
 * we write it (never the client's field lines): `Transfer-Encoding: chunked` for a chunked
 * body, else one Content-Length when the client sent one.
 */
function upstreamHeaders(head: RequestHead, target: TargetAddress): HeaderList {
  const fields = endToEndHeaders(head.headers);
  const out = new HeaderList([["Host", target.authority]]);
  for (let i = 0; i < fields.size; i++) {
    const lower = fields.lowerName(i);
    if (lower !== "host" && !isFramingField(lower)) {
      out.addLower(fields.name(i), lower, fields.value(i));
    }
  }
  const framing = requestFraming(head);
  if (framing !== null) out.add(framing[0], framing[1]);
  return out;
}

/**
 * The response head the client gets: end-to-end fields, no Content-Length beside chunked
 * (forwarding both would invite smuggling), no Transfer-Encoding when dechunking, and
 * `Connection` as the client needs; then `body` when given.
 */
function responseStart(x: ForwardExchange, info: ResponseInfo, body: Uint8Array | null) {
  const { response } = info;
  const headers = endToEndHeaders(response.headers);
  if (info.length.kind === "chunked") headers.delete("content-length");
  if (info.dechunk) headers.delete("transfer-encoding");
  if (!info.keep) headers.add("Connection", "close");
  else if (x.head.version === "HTTP/1.0") headers.add("Connection", "keep-alive");
  const head = serializeResponseHead({
    status: response.status,
    reason: response.reason,
    headers,
  });
  return body === null ? head : withBody(head, body);
}
