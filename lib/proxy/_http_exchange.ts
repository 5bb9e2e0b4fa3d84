import { copyBody } from "../http/body_copy.ts";
import { type BodyLength, responseBodyLength } from "../http/body_length.ts";
import { endToEndHeaders, wantsKeepAlive } from "../http/connection.ts";
import { errorResponse } from "../http/error_response.ts";
import { HttpError } from "../http/errors.ts";
import { HeaderList } from "../http/headers.ts";
import type { RequestHead } from "../http/request_head.ts";
import { parseResponseHead, type ResponseHead } from "../http/response_head.ts";
import { serializeRequestHead, serializeResponseHead, withBody } from "../http/serialize.ts";
import type { TargetAddress } from "../http/target.ts";
import { writeAll } from "../net/write.ts";
import { ConnectError } from "../net/connect.ts";
import { safeClose } from "../net/relay.ts";
import { reject } from "./_http_answer.ts";
import type { HttpSession } from "./_http_session.ts";
import { errorText } from "../log/logger.ts";
import { logDone, logFailure, logger } from "./_http_log.ts";
import type { Upstream } from "./_http_upstream.ts";

const RETRY = Symbol("retry");

/** The request body being copied upstream while the response is awaited. */
interface BodyTask {
  done: boolean;
  error: unknown;
  promise: Promise<void>;
}

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
  const bytes = serializeRequestHead({
    method: head.method,
    target: target.path,
    headers: upstreamHeaders(head, target),
  });
  for (let attempt = 0;; attempt++) {
    let up: Upstream;
    try {
      up = await s.upstream.acquire(target, {
        timeout: s.ctx.options.connectTimeout,
        fresh: attempt > 0,
      });
    } catch (e) {
      if (!(e instanceof ConnectError)) throw e;
      const status = e.kind === "timeout" ? 504 : 502;
      logFailure(s, head, e.message);
      logDone(s, head, status);
      return await reject(s, head, { status, message: e.message });
    }
    const result = await exchange(s, head, up, bytes);
    if (result !== RETRY) return result;
    logger.debug("conn {id} {peer}: {upstream} closed a kept-alive connection; reconnecting", {
      id: s.ctx.id,
      peer: s.peer,
      upstream: up.address,
    });
    s.upstream.close();
  }
}

/** The fields sent upstream: end-to-end ones, Host from the target, one Content-Length. */
function upstreamHeaders(head: RequestHead, target: TargetAddress): HeaderList {
  const fields = endToEndHeaders(head.headers);
  const out = new HeaderList([["Host", target.authority]]);
  let lengthSent = false;
  for (let i = 0; i < fields.size; i++) {
    const lower = fields.lowerName(i);
    if (lower === "host") continue;
    if (lower === "content-length") {
      // Repeated or list-form values were checked equal; send the number once.
      if (lengthSent) continue;
      lengthSent = true;
      const length = head.body.kind === "length" ? head.body.length : 0;
      out.addLower(fields.name(i), lower, String(length));
      continue;
    }
    out.addLower(fields.name(i), lower, fields.value(i));
  }
  return out;
}

async function exchange(
  s: HttpSession,
  head: RequestHead,
  up: Upstream,
  requestHead: Uint8Array,
): Promise<boolean | typeof RETRY> {
  const canRetry = up.reused && head.body.kind === "none";
  const readBefore = up.reader.bytesRead;
  let out = requestHead;
  let bodyRead = head.body.kind === "none";
  if (head.body.kind === "length" && s.reader.buffered >= head.body.length) {
    // The whole body came with the head (the usual small POST): one write for both.
    out = new Uint8Array(requestHead.length + head.body.length);
    out.set(requestHead);
    out.set(s.reader.view().subarray(0, head.body.length), requestHead.length);
    s.reader.consume(head.body.length);
    bodyRead = true;
  }
  try {
    await writeAll(up.conn, out);
  } catch (e) {
    if (canRetry) return RETRY;
    const unsent = { done: bodyRead, error: undefined, promise: Promise.resolve() };
    return await failBeforeResponse(s, head, unsent, `writing to ${up.address}: ${errorText(e)}`);
  }
  const body = bodyRead ? idleBody() : startBody(s, head, up);
  s.watchdog.stall(s.ctx.options.idleTimeout, () => s.reader.bytesRead + up.reader.bytesRead);
  try {
    let response: ResponseHead;
    let length: BodyLength;
    try {
      while (true) {
        const bytes = await up.reader.readHead("response");
        if (bytes === null) {
          if (canRetry && up.reader.bytesRead === readBefore) return RETRY;
          return await failBeforeResponse(s, head, body, `${up.address} closed without a response`);
        }
        response = parseResponseHead(bytes);
        if (response.status >= 200) break;
        if (response.status === 101) {
          return await failBeforeResponse(s, head, body, `${up.address} switched protocols`);
        }
        // 1xx: interim answers go to HTTP/1.1 clients only (RFC 9110 §15.2).
        if (head.version === "HTTP/1.1") {
          await writeAll(
            s.client,
            serializeResponseHead({ ...response, headers: endToEndHeaders(response.headers) }),
          );
        }
      }
      length = responseBodyLength(response, head.method);
    } catch (e) {
      if (e instanceof HttpError) {
        return await failBeforeResponse(s, head, body, `${up.address}: ${e.message}`);
      }
      // Writing a 1xx failed: the client is gone.
      logger.debug("conn {id} {peer}: client went away before the response: {error}", {
        id: s.ctx.id,
        peer: s.peer,
        error: errorText(e),
      });
      await closeAll(s, body);
      return false;
    }
    return await relayResponse(s, { head, up, body, response, length });
  } catch (e) {
    // Never leave the body copy reading the client's buffer after this returns.
    await closeAll(s, body);
    throw e;
  } finally {
    s.watchdog.clear();
  }
}

async function relayResponse(
  s: HttpSession,
  x: {
    head: RequestHead;
    up: Upstream;
    body: BodyTask;
    response: ResponseHead;
    length: BodyLength;
  },
): Promise<boolean> {
  const { head, up, body, response, length } = x;
  // An HTTP/1.0 client cannot read chunked: send the data alone, ended by closing.
  const dechunk = head.version === "HTTP/1.0" && length.kind === "chunked";
  let clientKeep = wantsKeepAlive(head.version, head.headers) && length.kind !== "close" &&
    !dechunk;
  const ambiguous = response.headers.has("transfer-encoding") &&
    response.headers.has("content-length");
  let upstreamKeep = wantsKeepAlive(response.version, response.headers) &&
    length.kind !== "close" && !ambiguous;
  const headers = endToEndHeaders(response.headers);
  // Transfer-Encoding overrides Content-Length; forwarding both would invite smuggling.
  if (length.kind === "chunked") headers.delete("content-length");
  if (dechunk) headers.delete("transfer-encoding");
  if (!clientKeep) headers.add("Connection", "close");
  else if (head.version === "HTTP/1.0") headers.add("Connection", "keep-alive");
  try {
    const headBytes = serializeResponseHead({
      status: response.status,
      reason: response.reason,
      headers,
    });
    if (length.kind === "length" && up.reader.buffered >= length.length) {
      // The whole body came with the head (the usual small response): one write for both.
      const out = withBody(headBytes, up.reader.view().subarray(0, length.length));
      up.reader.consume(length.length);
      await writeAll(s.client, out);
    } else {
      await writeAll(s.client, headBytes);
      await copyBody(up.reader, s.client, { length, dechunk, status: 502 });
    }
  } catch (e) {
    if (e instanceof HttpError) logFailure(s, head, `${up.address}: ${e.message}`);
    else if (!s.watchdog.fired) {
      logger.debug("conn {id} {peer}: client went away during the response: {error}", {
        id: s.ctx.id,
        peer: s.peer,
        error: errorText(e),
      });
    }
    await closeAll(s, body);
    logDone(s, head, response.status);
    return false;
  }
  if (!body.done) {
    // The response ended before the request body did: neither side can be reused.
    await closeAll(s, body);
    logDone(s, head, response.status);
    return false;
  }
  if (body.error) clientKeep = upstreamKeep = false;
  if (!upstreamKeep) s.upstream.close();
  logDone(s, head, response.status);
  return clientKeep;
}

function startBody(s: HttpSession, head: RequestHead, up: Upstream): BodyTask {
  const task: BodyTask = { done: false, error: undefined, promise: Promise.resolve() };
  task.promise = copyBody(s.reader, up.conn, { length: head.body }).then(
    () => {
      task.done = true;
    },
    (e) => {
      task.error = e;
      // The client broke its body: stop waiting for a response to it.
      if (e instanceof HttpError) s.upstream.abort();
    },
  );
  return task;
}

function idleBody(): BodyTask {
  return { done: true, error: undefined, promise: Promise.resolve() };
}

/**
 * The exchange failed before any response reached the client: answers 400 when the client's
 * body was at fault, else 502, and keeps the client connection when its request was read in
 * full.
 */
async function failBeforeResponse(
  s: HttpSession,
  head: RequestHead,
  body: BodyTask,
  message: string,
): Promise<boolean> {
  const clientFault = body.error instanceof HttpError;
  const status = clientFault ? (body.error as HttpError).status : 502;
  const why = clientFault ? (body.error as HttpError).message : message;
  if (!body.done) {
    // Let a body copy blocked on the upstream end before answering.
    s.upstream.abort();
    if (!clientFault) {
      // The rest of the client's body can only be dropped with the connection.
      logFailure(s, head, why);
      logDone(s, head, status);
      const bytes = errorResponse(status, why, { close: true, bodyless: head.method === "HEAD" });
      await writeAll(s.client, bytes).catch(() => {});
      await closeAll(s, body);
      return false;
    }
    await body.promise;
  }
  s.upstream.close();
  logFailure(s, head, why);
  logDone(s, head, status);
  if (s.watchdog.fired) return false;
  return await reject(s, head, { status, message: why, bodyRead: body.done });
}

/** Closes both connections and waits for the body copy to notice. */
async function closeAll(s: HttpSession, body: BodyTask): Promise<void> {
  safeClose(s.client);
  s.upstream.abort();
  await body.promise;
  s.upstream.close();
}
