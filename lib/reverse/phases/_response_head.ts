import { HOP_BY_HOP } from "../../http/connection.ts";
import { isFramingField } from "../../http/framing.ts";
import type { HeadBuilder } from "../../http/head_builder.ts";
import { HeaderList, listTokens } from "../../http/headers.ts";
import type { ResponseHead } from "../../http/response_head.ts";
import type { RequestContext } from "./context.ts";

/** How the response goes to the client. */
export interface ResponseFraming {
  /** The client connection stays open after it. */
  readonly keep: boolean;
  /** The body is chunked and the client (HTTP/1.0) gets the data alone. */
  readonly dechunk: boolean;
}

/**
 * Whether the upstream's head can go to the client byte for byte: HTTP/1.1, no hop-by-hop
 * field, not both Content-Length and Transfer-Encoding, no response rules, and nothing to
 * add (a kept-alive HTTP/1.1 client).
 */
export function passesAsIs(
  ctx: RequestContext,
  response: ResponseHead,
  framing: ResponseFraming,
): boolean {
  if (
    response.version !== "HTTP/1.1" || !framing.keep || framing.dechunk ||
    ctx.head.version !== "HTTP/1.1" || ctx.location!.rules.response.length > 0
  ) {
    return false;
  }
  const headers = response.headers;
  let te = false;
  let cl = false;
  for (let i = 0; i < headers.size; i++) {
    const lower = headers.lowerName(i);
    if (HOP_BY_HOP.has(lower)) return false;
    if (lower === "transfer-encoding") te = true;
    else if (lower === "content-length") cl = true;
  }
  return !(te && cl);
}

/**
 * Writes the response head the client gets into `out` (reset first): the status line as
 * received (rebuilt as HTTP/1.1 for an HTTP/1.0 upstream), the upstream's field lines
 * without hop-by-hop ones, without Content-Length beside Transfer-Encoding and without
 * Transfer-Encoding when dechunking, the response rules (`set` and `remove` drop the fields
 * they name, `set` and `add` append), then `Connection` as the client needs. Throws
 * `HttpError` 500 when a rule makes an invalid field.
 */
export function responseHead(
  ctx: RequestContext,
  response: ResponseHead,
  raw: Uint8Array,
  framing: ResponseFraming,
  out: HeadBuilder,
): void {
  const rules = ctx.location!.rules.response;
  const headers = response.headers;
  out.reset();
  if (response.version === "HTTP/1.1") {
    out.startLineOf(raw);
  } else {
    out.text(`HTTP/1.1 ${response.status} ${response.reason}`);
    out.crlf();
  }
  const named = headers.has("connection") ? listTokens(headers, "connection") : null;
  const chunked = headers.has("transfer-encoding");
  let drop: number[] | null = null;
  for (let i = 0; i < headers.size; i++) {
    const lower = headers.lowerName(i);
    // Framing fields stay even when Connection names them: the body is relayed as framed.
    let skip = HOP_BY_HOP.has(lower) ||
      (named !== null && named.includes(lower) && !isFramingField(lower)) ||
      (lower === "content-length" && chunked) ||
      (lower === "transfer-encoding" && framing.dechunk);
    if (!skip) {
      for (const r of rules) {
        if (r.op !== "add" && r.lower === lower) {
          skip = true;
          break;
        }
      }
    }
    if (skip) (drop ??= []).push(i);
  }
  out.fieldsOf(raw, drop);
  for (const r of rules) if (r.op !== "remove") out.field(r.name, r.value.expand(ctx));
  if (!framing.keep) out.field("Connection", "close");
  else if (ctx.head.version === "HTTP/1.0") out.field("Connection", "keep-alive");
  out.crlf();
}

/**
 * The response's fields as an HTTP/2 client gets them: the upstream's end-to-end fields
 * (no hop-by-hop ones, none that `Connection` names, no `Transfer-Encoding`, no
 * Content-Length beside it), then the response rules (`set` and `remove` drop the fields they
 * name, `set` and `add` append), as {@link responseHead} writes them for HTTP/1.1.
 */
export function responseFields(ctx: RequestContext, response: ResponseHead): HeaderList {
  const rules = ctx.location!.rules.response;
  const headers = response.headers;
  const named = headers.has("connection") ? listTokens(headers, "connection") : null;
  const chunked = headers.has("transfer-encoding");
  const out = new HeaderList();
  for (let i = 0; i < headers.size; i++) {
    const lower = headers.lowerName(i);
    if (
      HOP_BY_HOP.has(lower) || lower === "transfer-encoding" ||
      (named !== null && named.includes(lower)) || (lower === "content-length" && chunked)
    ) {
      continue;
    }
    let skip = false;
    for (const r of rules) {
      if (r.op !== "add" && r.lower === lower) {
        skip = true;
        break;
      }
    }
    if (!skip) out.addLower(headers.name(i), lower, headers.value(i));
  }
  for (const r of rules) if (r.op !== "remove") out.add(r.name, r.value.expand(ctx));
  return out;
}
