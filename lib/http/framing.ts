import type { BodyLength } from "./body_length.ts";
import type { HeaderList } from "./headers.ts";

/**
 * Whether a field (lower-case name) frames the body: a proxy never forwards these as the client
 * wrote them, but writes {@link requestFraming}'s field instead.
 */
export function isFramingField(lower: string): boolean {
  return lower === "content-length" || lower === "transfer-encoding";
}

/**
 * The one framing field a proxy sends upstream with a request it forwards, as it writes it:
 * `Transfer-Encoding: chunked` for a chunked body, `Content-Length` for a counted one (`0` for
 * none when the client sent a Content-Length, as for an empty POST), else none.
 * @param head the parsed request's fields and body length
 * @returns `[name, value]`, or null
 */
export function requestFraming(
  head: { readonly headers: HeaderList; readonly body: BodyLength },
): readonly [string, string] | null {
  if (head.body.kind === "chunked") return ["Transfer-Encoding", "chunked"];
  if (head.body.kind === "length") return ["Content-Length", String(head.body.length)];
  return head.headers.has("content-length") ? ["Content-Length", "0"] : null;
}
