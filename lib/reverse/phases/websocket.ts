import { copyBody } from "../../http/body_copy.ts";
import { responseBodyLength } from "../../http/body_length.ts";
import { HttpError } from "../../http/errors.ts";
import type { RequestHead } from "../../http/request_head.ts";
import { parseResponseHead } from "../../http/response_head.ts";
import { reasonPhrase } from "../../http/status.ts";
import { relay } from "../../net/relay.ts";
import { writeAll } from "../../net/write.ts";
import { errorText } from "../../log/logger.ts";
import { WAIT_STALL } from "../client_conn.ts";
import { logger } from "../logger.ts";
import { UpstreamConn } from "../upstream_conn.ts";
import { openUpstream } from "./_connect.ts";
import { upstreamRequest } from "./_upstream_head.ts";
import type { Answer, RequestContext } from "./context.ts";
import { sendAnswer } from "./respond.ts";
import { route } from "./route.ts";

const NOT_WS: Answer = {
  status: 400,
  body: "400 Bad Request: this location does not accept WebSocket upgrades (is_ws is not set)\n",
  close: true,
};
const encoder = new TextEncoder();

/** Whether a request asks to switch to WebSocket (`Upgrade: websocket`). */
export function wantsWebSocket(head: RequestHead): boolean {
  const upgrade = head.headers.get("upgrade");
  return upgrade !== undefined && /(^|,)\s*websocket\s*(,|$)/i.test(upgrade);
}

/**
 * Phase 1 for a WebSocket upgrade: routes as usual; when the location found is not `is_ws`
 * (or none is), the server's named `is_ws` location (`rule = "@ws"`) takes the upgrade if it
 * has one; otherwise the answer is 400 (404/405 when routing found nothing), never forwarded.
 */
export function routeWebSocket(ctx: RequestContext): Answer | null {
  const answer = route(ctx);
  if (answer === null && ctx.location!.location.websocket) return null;
  const named = ctx.server.locations.find((l) =>
    l.location.websocket && l.location.matcher.kind === "named"
  );
  if (named !== undefined && (answer === null || answer.status === 404 || answer.status === 405)) {
    ctx.location = named;
    return null;
  }
  return answer ?? NOT_WS;
}

/**
 * The action of an `is_ws` location for an upgrade request: connects to an upstream server
 * (failing over like `proxy`), forwards the request head with `Upgrade` and `Connection:
 * upgrade` kept (plus X-Forwarded-* and `proxy` header rules) and reads the response head
 * within `proxy_read_timeout`. A 101 goes to the client as it is, then bytes are relayed both
 * ways unchanged until either side closes. Any other response is passed on and the connection
 * closed. Works on any `Deno.Conn` (plain or TLS). Returns false: the connection is done.
 */
export async function proxyWebSocket(ctx: RequestContext): Promise<boolean> {
  const group = ctx.location!.group!;
  const client = ctx.client;
  const up = await openUpstream(ctx, { reuse: false, state: {} });
  if (!(up instanceof UpstreamConn)) {
    ctx.error = up.error;
    return await fail(ctx, up.status);
  }
  client.tracker.add(up.conn, false);
  try {
    return await exchange(ctx, up);
  } finally {
    client.tracker.delete(up.conn);
    if (client.upstream === up) client.upstream = null;
    group.release(up, false);
  }
}

async function exchange(ctx: RequestContext, up: UpstreamConn): Promise<boolean> {
  const client = ctx.client;
  const timeouts = ctx.location!.location.timeouts;
  let request: Uint8Array;
  try {
    request = withUpgrade(upstreamRequest(ctx, client.out, null), ctx.header("upgrade"));
  } catch (e) {
    if (!(e instanceof HttpError)) throw e;
    ctx.error = e.message;
    return await fail(ctx, 500);
  }
  client.upstream = up;
  client.watchStall(timeouts.proxyRead);
  let raw: Uint8Array | null | undefined;
  try {
    await writeAll(up.conn, request);
    raw = up.reader.takeHead("response");
    while (raw === undefined) {
      raw = (await up.reader.fill()) ? up.reader.takeHead("response") : null;
    }
  } catch (e) {
    ctx.error = `${up.server.addr}: ${errorText(e)}`;
  }
  const stalled = client.fired === WAIT_STALL;
  client.clear();
  client.fired = 0;
  if (raw === null || raw === undefined) {
    ctx.error ||= stalled
      ? `no response from ${up.server.addr} within ${timeouts.proxyRead} ms`
      : `${up.server.addr} closed without a response`;
    ctx.location!.group!.failed(up.server);
    return await fail(ctx, stalled ? 504 : 502);
  }
  let response;
  try {
    response = parseResponseHead(raw);
  } catch (e) {
    if (!(e instanceof HttpError)) throw e;
    ctx.error = `${up.server.addr}: ${e.message}`;
    return await fail(ctx, 502);
  }
  ctx.status = ctx.upStatus = response.status;
  ctx.location!.group!.succeeded(up.server);
  try {
    await writeAll(client.conn, raw);
    if (response.status !== 101) {
      const length = responseBodyLength(response, ctx.head.method);
      await copyBody(up.reader, client.conn, { length, status: 502 });
      return false;
    }
    // Bytes that came with either head belong to the new protocol.
    await flush(up.reader.view(), up.reader.buffered, client.conn);
    await flush(client.reader.view(), client.reader.buffered, up.conn);
  } catch (e) {
    ctx.error = errorText(e);
    return false;
  }
  client.upstream = null;
  const r = await relay(client.conn, up.conn);
  logger.debug(
    "conn {id} {peer}: websocket to {upstream} closed ({reason}), {sent} up, {received} down",
    {
      id: client.id,
      peer: client.peer,
      upstream: up.server.addr,
      ...r,
    },
  );
  return false;
}

/** The request head with `Connection: upgrade` and `Upgrade` (hop-by-hop, so dropped) put back. */
function withUpgrade(head: Uint8Array, upgrade: string): Uint8Array {
  const extra = encoder.encode(`Connection: upgrade\r\nUpgrade: ${upgrade}\r\n\r\n`);
  const out = new Uint8Array(head.length - 2 + extra.length);
  out.set(head.subarray(0, head.length - 2));
  out.set(extra, head.length - 2);
  return out;
}

async function flush(view: Uint8Array, n: number, dst: Deno.Conn): Promise<void> {
  if (n > 0) await writeAll(dst, view.subarray(0, n));
}

function fail(ctx: RequestContext, status: number): Promise<boolean> {
  logger.warn("conn {id} {peer} {method} {target}: websocket {status} {error}", {
    id: ctx.client.id,
    peer: ctx.client.peer,
    method: ctx.head.method,
    target: ctx.target,
    status,
    error: ctx.error,
  });
  return sendAnswer(ctx, {
    status,
    body: `${status} ${reasonPhrase(status)}: ${ctx.error}\n`,
    close: true,
  });
}
