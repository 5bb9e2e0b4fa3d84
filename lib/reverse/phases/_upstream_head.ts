import { HOP_BY_HOP } from "../../http/connection.ts";
import { isFramingField, requestFraming } from "../../http/framing.ts";
import type { HeadBuilder } from "../../http/head_builder.ts";
import { type HeaderList, listTokens } from "../../http/headers.ts";
import type { RequestContext } from "./context.ts";

const XFF = "x-forwarded-for";
const XFP = "x-forwarded-proto";
const XFH = "x-forwarded-host";

/**
 * Writes the request as the upstream gets it into `out` and returns it (a view of `out`):
 * HTTP/1.1 with an origin-form target; the client's field lines copied as they are (from the
 * fields when the head was made, not parsed: `rawHead` empty) except
 * hop-by-hop ones (and those `Connection` names), `X-Forwarded-*` and the fields `proxy`
 * rules set; Host kept (the action's `hostHeader`, or an absolute-form target's authority,
 * replaces it; without one, the upstream's name); the body's framing as we write it, never the
 * client's field lines: `Transfer-Encoding: chunked` for a chunked body, else `Content-Length`
 * once as a plain number when the client sent one; then `X-Forwarded-For` (earlier values, then the client), `X-Forwarded-Proto`,
 * `X-Forwarded-Host`, the rules' fields (an empty value sets nothing), and `body` when given.
 * Throws `HttpError` 500 when a rule makes an invalid field.
 */
export function upstreamRequest(
  ctx: RequestContext,
  out: HeadBuilder,
  body: Uint8Array | null,
): Uint8Array {
  const { head, rawHead } = ctx;
  const loc = ctx.location!;
  const headers = head.headers;
  const requestNames = loc.rules.requestNames;
  out.reset();
  if (head.form === "origin" && head.version === "HTTP/1.1" && saysHttp11(rawHead)) {
    out.startLineOf(rawHead);
  } else {
    out.text(`${head.method} ${ctx.target} HTTP/1.1`);
    out.crlf();
  }
  const named = headers.has("connection") ? listTokens(headers, "connection") : null;
  const replaceHost = loc.hostHeader !== null || head.form === "absolute";
  let drop: number[] | null = null;
  let forwardedFor = "";
  let hasHost = false;
  for (let i = 0; i < headers.size; i++) {
    const lower = headers.lowerName(i);
    let skip: boolean;
    if (HOP_BY_HOP.has(lower)) {
      skip = true;
    } else if (lower === "host") {
      hasHost = true;
      skip = replaceHost;
    } else if (isFramingField(lower)) {
      skip = true; // framing goes upstream as we write it (below), never as the client did
    } else if (lower === XFF) {
      forwardedFor += `${headers.value(i)}, `;
      skip = true;
    } else {
      skip = lower === XFP || lower === XFH || requestNames.has(lower) ||
        (named !== null && named.includes(lower));
    }
    if (skip) (drop ??= []).push(i);
  }
  if (rawHead.length > 0) out.fieldsOf(rawHead, drop);
  else fieldsOf(out, headers, drop); // a head made, not parsed (an HTTP/2 stream's)
  if (replaceHost || !hasHost) {
    const host = loc.hostHeader !== null
      ? loc.hostHeader.expand(ctx)
      : ctx.authority !== ""
      ? ctx.authority
      : loc.group!.upstream.name;
    out.field("Host", host);
  }
  const framing = requestFraming(head);
  if (framing !== null) out.field(framing[0], framing[1]);
  out.field("X-Forwarded-For", forwardedFor + ctx.client.ip);
  out.field("X-Forwarded-Proto", ctx.gen.scheme);
  if (ctx.authority !== "") out.field("X-Forwarded-Host", ctx.authority);
  for (const r of loc.rules.request) {
    const value = r.value.expand(ctx);
    if (value !== "") out.field(r.name, value);
  }
  out.crlf();
  if (body !== null) out.bytes(body);
  return out.view();
}

/** Appends the fields of `headers` except those whose index is in `drop` (ascending). */
function fieldsOf(out: HeadBuilder, headers: HeaderList, drop: readonly number[] | null): void {
  let d = 0;
  for (let i = 0; i < headers.size; i++) {
    if (drop !== null && drop[d] === i) d++;
    else out.field(headers.name(i), headers.value(i));
  }
}

/**
 * Whether the request line ends in `HTTP/1.1` as written: a higher minor version (`HTTP/1.2`)
 * is served as 1.1 and must reach the upstream as 1.1, so its line is rebuilt.
 */
function saysHttp11(raw: Uint8Array): boolean {
  const lf = raw.indexOf(0x0a);
  // "... HTTP/1.1\r\n": the minor digit is two bytes before the LF, the major four.
  return lf >= 3 && raw[lf - 2] === 0x31 && raw[lf - 4] === 0x31;
}
