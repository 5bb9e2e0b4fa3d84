import { wantsKeepAlive } from "../../http/connection.ts";
import { HttpError } from "../../http/errors.ts";
import { HeaderList } from "../../http/headers.ts";
import { lingerClose } from "../../http/linger.ts";
import { serializeResponseHead, withBody } from "../../http/serialize.ts";
import { reasonPhrase } from "../../http/status.ts";
import { safeClose } from "../../net/relay.ts";
import { type ByteSink, writeAll } from "../../net/write.ts";
import { fileChunks } from "../../static/file_body.ts";
import type { StaticFiles, StaticReply, StaticRequest } from "../../static/files.ts";
import { streamFields } from "../_h2_stream.ts";
import { applyResponseRules } from "../header_rules.ts";
import { expandCandidate, type TryPaths } from "../try_paths.ts";
import type { LocationAction } from "../types.ts";
import { discardBody } from "./_body.ts";
import type { RequestContext } from "./context.ts";
import { addConnectionField, sendAnswer } from "./respond.ts";

/** Read size for streamed files; also the largest body copied into the head's write. */
const CHUNK = 262144;

/**
 * The `files` action: asks lib/static for the reply to the request (through `try_paths`
 * candidates when set: the first that exists is served, else the fail status) and writes it
 * on the connection: head with the location's response header rules, then the body, file
 * bodies streamed in 256 KiB chunks with backpressure. Returns whether the connection stays
 * open.
 */
export async function serveFiles(
  ctx: RequestContext,
  action: LocationAction & { kind: "files" },
): Promise<boolean> {
  const head = ctx.head;
  const req: StaticRequest = {
    method: head.method,
    path: ctx.path,
    header: (name) => head.headers.get(name) ?? null,
  };
  const reply = action.tryPaths === null || (head.method !== "GET" && head.method !== "HEAD")
    ? await action.files.reply(req)
    : await tryCandidates(ctx, req, action.files, action.tryPaths);
  if (reply === null) {
    const status = action.tryPaths!.failStatus;
    return await sendAnswer(ctx, { status, body: `${status} ${reasonPhrase(status)}\n` });
  }
  return await writeReply(ctx, reply);
}

async function tryCandidates(
  ctx: RequestContext,
  req: StaticRequest,
  files: StaticFiles,
  tryPaths: TryPaths,
): Promise<StaticReply | null> {
  for (const c of tryPaths.candidates) {
    const target = expandCandidate(c, ctx);
    const q = target.indexOf("?");
    const reply = await files.find(req, q < 0 ? target : target.slice(0, q));
    if (reply !== null && reply.status < 400) return reply;
  }
  return null;
}

async function writeReply(ctx: RequestContext, reply: StaticReply): Promise<boolean> {
  const { head, client } = ctx;
  ctx.status = reply.status;
  const h2 = client.h2;
  let keep = h2 === null && wantsKeepAlive(head.version, head.headers);
  if (keep) keep = await discardBody(ctx);
  if (client.fired !== 0) return false;
  const headers = new HeaderList(reply.headers);
  if (reply.length !== null) headers.add("Content-Length", String(reply.length));
  const rules = ctx.location!.rules.response;
  try {
    if (rules.length > 0) applyResponseRules(headers, rules, ctx);
  } catch (e) {
    if (!(e instanceof HttpError)) throw e;
    return await sendAnswer(ctx, {
      status: 500,
      body: `500 Internal Server Error: ${e.message}\n`,
    });
  }
  const body = reply.body;
  let chunks: AsyncGenerator<Uint8Array> | null = null;
  let first: IteratorResult<Uint8Array> | null = null;
  if (body?.kind === "file") {
    chunks = fileChunks(body.fsPath, {
      start: body.start,
      length: body.length,
      buffer: new Uint8Array(Math.min(CHUNK, body.length) || 1),
    });
    try {
      first = await chunks.next(); // opens the file: a file gone since its stat is a 404
    } catch {
      return await sendAnswer(ctx, { status: 404, body: "404 Not Found\n" });
    }
  }
  if (h2 !== null) {
    // An HTTP/2 stream: the status, fields and body as they are.
    const fields = streamFields(headers);
    if (body === null) h2.respond(reply.status, fields, null);
    else if (body.kind === "bytes") h2.respond(reply.status, fields, body.bytes);
    else {
      const sink = h2.stream(reply.status, fields);
      let whole = false;
      try {
        whole = await streamFile(ctx, sink, null, chunks!, first!, body.length);
      } catch {
        await chunks!.return(undefined); // the client is gone
      }
      if (!whole) safeClose(client.conn); // cut short: the stream is reset
    }
    return false;
  }
  addConnectionField(headers, head.version, keep);
  const headBytes = serializeResponseHead({
    status: reply.status,
    reason: reasonPhrase(reply.status),
    headers,
  });
  try {
    if (body === null) {
      await writeAll(client.conn, headBytes);
    } else if (body.kind === "bytes" && body.bytes.length > CHUNK) {
      // A large cached body is not copied: the head, then the body.
      await writeAll(client.conn, headBytes);
      await writeAll(client.conn, body.bytes);
    } else if (body.kind === "bytes") {
      await writeAll(client.conn, withBody(headBytes, body.bytes));
    } else {
      keep = await streamFile(ctx, client.conn, headBytes, chunks!, first!, body.length) && keep;
    }
  } catch {
    await chunks?.return(undefined);
    return false; // the client is gone
  }
  if (!keep) await lingerClose(client.conn, client.reader);
  return keep;
}

/**
 * Writes `headBytes` (unless null) then the file's chunks to `sink` (the client connection,
 * or an HTTP/2 stream's body); false when the file ended short (close then). Throws when the
 * client is gone.
 */
async function streamFile(
  ctx: RequestContext,
  sink: ByteSink,
  headBytes: Uint8Array | null,
  chunks: AsyncGenerator<Uint8Array>,
  first: IteratorResult<Uint8Array>,
  length: number,
): Promise<boolean> {
  const client = ctx.client;
  const timeout = ctx.location!.location.timeouts.clientWrite;
  client.responding = true;
  client.watchStall(timeout);
  let sent = 0;
  try {
    if (headBytes !== null) await writeAll(sink, headBytes);
    for (let next = first; !next.done; next = await chunks.next()) {
      await writeAll(sink, next.value);
      sent += next.value.length;
      client.wrote();
    }
  } finally {
    client.responding = false;
    client.clear();
  }
  return sent === length && client.fired === 0;
}
