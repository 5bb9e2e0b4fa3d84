import { errorResponse } from "../http/error_response.ts";
import { HttpError } from "../http/errors.ts";
import { lingerClose } from "../http/linger.ts";
import { parseRequestHead } from "../http/request_head.ts";
import { requestServed } from "../net/conn_gauge.ts";
import { takeTurn } from "../net/turns.ts";
import { writeAll } from "../net/write.ts";
import { type ClientConn, WAIT_HEAD, WAIT_IDLE, WAIT_NONE } from "./client_conn.ts";
import { logger } from "./logger.ts";
import { checkAccess } from "./phases/access.ts";
import { type Answer, RequestContext } from "./phases/context.ts";
import { forward } from "./phases/forward.ts";
import { serveFiles } from "./phases/files.ts";
import { checkLimits } from "./phases/limits.ts";
import { logRequest } from "./phases/log.ts";
import { sendAnswer } from "./phases/respond.ts";
import { route } from "./phases/route.ts";
import { staticAnswer } from "./phases/static_response.ts";
import { proxyWebSocket, routeWebSocket, wantsWebSocket } from "./phases/websocket.ts";

const NO_HANDLER: Answer = { status: 404, body: "404 Not Found: nothing serves this location\n" };

/**
 * Serves a client connection's requests one after the other (keep-alive, pipelining) until
 * either side ends it. A head must be complete within `clientRead` (else 408), the next one
 * must start within `clientKeepAlive`. A head the strict parser refuses — smuggling attempts
 * included (Content-Length with Transfer-Encoding, differing lengths, bad codings, obs-fold)
 * — is answered with its status (400, 414, 431, 505) and the connection closed: nothing of
 * it is forwarded.
 */
export async function serveConnection(c: ClientConn): Promise<void> {
  const t = c.gen.timeouts;
  for (let first = true;; first = false) {
    if (first) c.wait(WAIT_HEAD, t.clientRead);
    else {
      const turn = takeTurn();
      if (turn !== undefined) await turn;
    }
    if (c.reader.buffered === 0) {
      // A connection waiting for a request holds no 64 KiB buffer, only a small read's: the
      // buffer comes from the pool when bytes arrive.
      if (!first) {
        c.rest();
        c.wait(WAIT_IDLE, t.clientKeepAlive);
      }
      if (!(await c.reader.fillParked())) return;
    }
    if (!first) c.wait(WAIT_HEAD, t.clientRead);
    let ctx: RequestContext;
    try {
      // Usually the whole head came with the last read: no await needed.
      const raw = c.reader.takeHead("request") ?? await c.reader.readHead("request");
      // A head completing just as the deadline passed was already answered with 408.
      if (raw === null || c.fired !== WAIT_NONE) return;
      ctx = new RequestContext(c, parseRequestHead(raw), raw);
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      if (c.fired !== WAIT_NONE) return;
      c.clear();
      logger.warn("conn {id} {peer}: {status} {error}", {
        id: c.id,
        peer: c.peer,
        status: e.status,
        error: e.message,
      });
      try {
        await writeAll(c.conn, errorResponse(e.status, e.message, { close: true }));
      } catch {
        return;
      }
      await lingerClose(c.conn, c.reader);
      return;
    }
    c.clear();
    // The connection counted as served when accepted; each further request counts again.
    if (!first) requestServed();
    const keep = await serveRequest(ctx);
    logRequest(ctx);
    if (!keep) return;
  }
}

/**
 * The phases of one request, whichever protocol brought it (an HTTP/1.1 connection, an
 * HTTP/2 stream): route, access, limits, then the action, which answers. Returns the action's
 * promise (whether the connection stays open for another request); the caller writes the log
 * line (`logRequest`) once it settles. Not an async function: an extra async frame per
 * request showed in the HTTP/1.1 benchmark.
 */
export function serveRequest(ctx: RequestContext): Promise<boolean> {
  ctx.started = performance.now();
  const upgrade = wantsWebSocket(ctx.head);
  const answer = (upgrade ? routeWebSocket(ctx) : route(ctx)) ?? checkAccess(ctx) ??
    checkLimits(ctx);
  if (answer !== null) return sendAnswer(ctx, answer);
  if (upgrade) return proxyWebSocket(ctx);
  const action = ctx.location!.location.action;
  return action.kind === "proxy"
    ? forward(ctx)
    : action.kind === "files"
    ? serveFiles(ctx, action)
    : sendAnswer(ctx, action.kind === "static" ? staticAnswer(ctx) : NO_HANDLER);
}
