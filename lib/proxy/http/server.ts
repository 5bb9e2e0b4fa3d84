import { credentialsMatch, parseBasic } from "../auth.ts";
import { listenerOf } from "../../metrics/conn_metrics.ts";
import { errorResponse } from "../../http/error_response.ts";
import { HttpError } from "../../http/errors.ts";
import { noDelay } from "../../http/no_delay.ts";
import { HttpReader } from "../../http/reader.ts";
import { parseRequestHead, type RequestHead } from "../../http/request_head.ts";
import { parseAbsoluteTarget } from "../../http/target.ts";
import { formatAddress } from "../../net/address.ts";
import { ipAllowed } from "../../net/cidr.ts";
import { safeClose } from "../../net/relay.ts";
import { takeTurn } from "../../net/turns.ts";
import { handleConnect } from "./_connect.ts";
import type { ProxyConnContext, ProxyHandler } from "../types.ts";
import { reject, rejectError } from "./_answer.ts";
import { forwardRequest } from "./_exchange.ts";
import { logDone, logFailure, logger } from "./_log.ts";
import type { HttpSession } from "./_session.ts";
import { UpstreamSlot } from "./_upstream.ts";
import { Watchdog, type WatchKind } from "./_watchdog.ts";

const PROXY_AUTHENTICATE = [["Proxy-Authenticate", 'Basic realm="wmproxy"']] as const;

/**
 * The HTTP side of the forward proxy: absolute-form requests (`GET http://host/ HTTP/1.1`)
 * are forwarded in origin-form with hop-by-hop fields removed and bodies streamed both ways,
 * keeping the client connection (and the upstream one, while the host stays the same) alive
 * between requests; `CONNECT host:port` opens a blind tunnel. Answers 407 without valid
 * Basic credentials when they are configured, 403/405 when plain HTTP/CONNECT is disabled,
 * 403 to clients outside the allow/deny lists, 502/504 when the target cannot be reached,
 * 400/414/431 to malformed requests and 408 when a head takes longer than
 * `handshakeTimeout`. Never throws.
 */
export async function handleHttpProxy(
  conn: Deno.TcpConn,
  first: Uint8Array,
  ctx: ProxyConnContext,
): Promise<void> {
  noDelay(conn);
  const upstream = new UpstreamSlot(ctx);
  const s: HttpSession = {
    client: conn,
    reader: new HttpReader(conn, first),
    ctx,
    peer: formatAddress(ctx.peer),
    upstream,
    watchdog: new Watchdog((kind) => onTimeout(s, kind)),
    started: 0,
  };
  try {
    const { options } = ctx;
    if (!ipAllowed(ctx.peer.hostname, options.allow, options.deny)) {
      logger.warn("conn {id} {peer}: client address not allowed", { id: ctx.id, peer: s.peer });
      listenerOf(conn)?.refuse("access");
      await reject(s, null, { status: 403, message: "client address not allowed" });
      return;
    }
    for (let n = 0;; n++) {
      const head = await nextRequest(s, n === 0);
      if (head === null) return;
      if (!(await serveRequest(s, head))) return;
    }
  } catch (e) {
    logger.error("conn {id} {peer}: unexpected {error}", { id: ctx.id, peer: s.peer, error: e });
  } finally {
    s.watchdog.clear();
    safeClose(conn);
    upstream.close();
    s.reader.release();
  }
}

/** Waits for and parses the next request head; null when the connection should end. */
async function nextRequest(s: HttpSession, first: boolean): Promise<RequestHead | null> {
  const { options } = s.ctx;
  try {
    if (!first) {
      const turn = takeTurn();
      if (turn !== undefined) await turn;
    }
    if (!first && s.reader.buffered === 0) {
      s.watchdog.deadline("idle", options.idleTimeout);
      // Waiting holds a small read's buffer, not 64 KiB: one is taken when bytes arrive.
      if (!(await s.reader.fillParked())) return null;
    }
    s.watchdog.deadline("head", options.handshakeTimeout);
    const bytes = await s.reader.readHead("request");
    // A head completing just as the deadline passed was already answered with 408.
    if (bytes === null || s.watchdog.fired) return null;
    s.started = performance.now();
    return parseRequestHead(bytes);
  } catch (e) {
    if (!(e instanceof HttpError)) throw e;
    if (s.watchdog.fired) return null;
    logger.warn("conn {id} {peer}: {status} {error}", {
      id: s.ctx.id,
      peer: s.peer,
      status: e.status,
      error: e.message,
    });
    await reject(s, null, { status: e.status, message: e.message });
    return null;
  } finally {
    s.watchdog.clear();
  }
}

/** Checks and serves one request; returns whether the connection stays open. */
async function serveRequest(s: HttpSession, head: RequestHead): Promise<boolean> {
  const { options } = s.ctx;
  const refuse = (status: number, message: string, headers?: typeof PROXY_AUTHENTICATE) => {
    logDone(s, head, status);
    return reject(s, head, { status, message, headers });
  };
  if (head.form === "origin" || head.form === "asterisk") {
    logFailure(s, head, "not a proxy request");
    return await refuse(400, "not a proxy request: the target must be an absolute URI");
  }
  if (options.credentials) {
    const given = parseBasic(head.headers.get("proxy-authorization"));
    if (!given || !credentialsMatch(given.username, given.password, options.credentials)) {
      // A missing header is the normal first step of a client that authenticates on demand.
      if (given) {
        logFailure(s, head, `wrong proxy credentials for ${JSON.stringify(given.username)}`);
      }
      return await refuse(407, "credentials missing or wrong", PROXY_AUTHENTICATE);
    }
  }
  if (head.method === "CONNECT") {
    if (!options.https) return await refuse(405, "CONNECT is disabled on this proxy");
    return await handleConnect(s, head);
  }
  if (!options.http) return await refuse(403, "plain HTTP proxying is disabled on this proxy");
  let target;
  try {
    target = parseAbsoluteTarget(head.target);
  } catch (e) {
    if (!(e instanceof HttpError)) throw e;
    return await rejectError(s, head, e);
  }
  if (target.scheme !== "http") {
    const message = `only http:// targets are proxied, not ${target.scheme}://`;
    logFailure(s, head, message);
    return await refuse(400, message);
  }
  return await forwardRequest(s, { head, target });
}

/** The watchdog fired: a head too slow, a keep-alive connection idle, or a stalled exchange. */
function onTimeout(s: HttpSession, kind: WatchKind): void {
  const { options } = s.ctx;
  const log = { id: s.ctx.id, peer: s.peer };
  if (kind === "head") {
    logger.warn("conn {id} {peer}: no complete request head within {ms} ms", {
      ...log,
      ms: options.handshakeTimeout,
    });
    const bytes = errorResponse(408, "request head not received in time", { close: true });
    s.client.write(bytes).catch(() => 0).finally(() => safeClose(s.client));
    return;
  }
  if (kind === "idle") {
    logger.debug("conn {id} {peer}: closing a keep-alive connection idle for {ms} ms", {
      ...log,
      ms: options.idleTimeout,
    });
  } else {
    logger.warn("conn {id} {peer}: no data for {ms} ms; closing", {
      ...log,
      ms: options.idleTimeout,
    });
  }
  safeClose(s.client);
  s.upstream.abort();
}

// The listener takes this handler as a ProxyHandler; keep the two in step.
const _contract: ProxyHandler = handleHttpProxy;
