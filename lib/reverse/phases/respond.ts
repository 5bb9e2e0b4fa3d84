import { wantsKeepAlive } from "../../http/connection.ts";
import { HttpError } from "../../http/errors.ts";
import { HeaderList } from "../../http/headers.ts";
import { lingerClose } from "../../http/linger.ts";
import { serializeResponseHead, withBody } from "../../http/serialize.ts";
import { reasonPhrase } from "../../http/status.ts";
import { writeAll } from "../../net/write.ts";
import { streamFields } from "../_h2_stream.ts";
import { applyResponseRules } from "../header_rules.ts";
import { discardBody } from "./_body.ts";
import type { Answer, RequestContext } from "./context.ts";

const encoder = new TextEncoder();
const TEXT = "text/plain; charset=utf-8";

/**
 * Sends an answer made by the proxy (error, static response) in one write: the unread request
 * body is dropped first when that is cheap, else the connection closes after the answer.
 * Response header rules apply when `answer.rules` is set. Returns whether the connection
 * stays open.
 */
export async function sendAnswer(ctx: RequestContext, answer: Answer): Promise<boolean> {
  const { head, client } = ctx;
  ctx.status = answer.status;
  if (client.h2 !== null) {
    answerStream(ctx, answer);
    return false;
  }
  let keep = !answer.close && wantsKeepAlive(head.version, head.headers);
  if (keep) keep = await discardBody(ctx);
  if (client.fired !== 0) return false;
  let bytes: Uint8Array;
  try {
    bytes = answerBytes(ctx, answer, keep);
  } catch (e) {
    // A header rule made an invalid field: answer without the rules.
    if (!(e instanceof HttpError)) throw e;
    ctx.status = 500;
    bytes = answerBytes(ctx, internalError(e), keep);
  }
  try {
    await writeAll(client.conn, bytes);
  } catch {
    return false; // the client is gone
  }
  if (!keep) await lingerClose(client.conn, client.reader);
  return keep;
}

/** The answer on an HTTP/2 stream: status, fields and body as they are. */
function answerStream(ctx: RequestContext, answer: Answer): void {
  const body = encoder.encode(answer.body);
  const headers = streamFields(answerFields(ctx, answer, body.length));
  const status = answer.status;
  const bodyless = ctx.head.method === "HEAD" || status === 204 || status === 304;
  ctx.client.h2!.respond(status, headers, bodyless ? null : body);
}

function internalError(e: HttpError): Answer {
  return { status: 500, body: `500 Internal Server Error: ${e.message}\n` };
}

/**
 * Says whether the connection stays open: `close` when it does not, `keep-alive` for an
 * HTTP/1.0 client that stays (HTTP/1.1 keeps by default).
 */
export function addConnectionField(headers: HeaderList, version: string, keep: boolean): void {
  if (!keep) headers.add("Connection", "close");
  else if (version === "HTTP/1.0") headers.add("Connection", "keep-alive");
}

/** The answer's head and body as one buffer. */
export function answerBytes(ctx: RequestContext, answer: Answer, keep: boolean): Uint8Array {
  const { head } = ctx;
  const status = answer.status;
  const body = encoder.encode(answer.body);
  const headers = answerFields(ctx, answer, body.length);
  addConnectionField(headers, head.version, keep);
  const headBytes = serializeResponseHead({ status, reason: reasonPhrase(status), headers });
  if (head.method === "HEAD" || status === 204 || status === 304) return headBytes;
  return withBody(headBytes, body);
}

/**
 * The answer's fields: Content-Type, Content-Length (`length`, the body's), its own fields,
 * then the response header rules when `answer.rules`. Throws `HttpError` 500 when a rule
 * makes an invalid field.
 */
function answerFields(ctx: RequestContext, answer: Answer, length: number): HeaderList {
  const status = answer.status;
  const headers = new HeaderList([["Content-Type", answer.contentType ?? TEXT]]);
  if (status !== 204 && status !== 304) headers.add("Content-Length", String(length));
  if (answer.headers) { for (const [n, v] of answer.headers) headers.add(n, v); }
  if (answer.rules) {
    const rules = ctx.location?.rules ?? ctx.server.rules;
    if (rules.response.length > 0) applyResponseRules(headers, rules.response, ctx);
  }
  return headers;
}
