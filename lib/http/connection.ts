import { isFramingField } from "./framing.ts";
import { HeaderList, listTokens } from "./headers.ts";

/**
 * Fields that describe one connection rather than the message (RFC 9110 §7.6.1), which an
 * intermediary must not forward: these plus every field the Connection header names.
 */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  "connection",
  "proxy-connection",
  "proxy-authorization",
  "keep-alive",
  "te",
  "trailer",
  "upgrade",
]);

/**
 * Whether the sender wants the connection kept open after this message (RFC 9112 §9.3):
 * HTTP/1.1 unless `Connection: close`, HTTP/1.0 only with `Connection: keep-alive`.
 */
export function wantsKeepAlive(version: string, headers: HeaderList): boolean {
  const tokens = listTokens(headers, "connection");
  if (tokens.includes("close")) return false;
  return version === "HTTP/1.1" || tokens.includes("keep-alive");
}

/**
 * A copy of `headers` without the hop-by-hop fields ({@link HOP_BY_HOP} and those `Connection`
 * names, except the framing fields: `Connection: transfer-encoding` must not leave a chunked
 * body unframed).
 */
export function endToEndHeaders(headers: HeaderList): HeaderList {
  const named = listTokens(headers, "connection");
  const out = new HeaderList();
  for (let i = 0; i < headers.size; i++) {
    const lower = headers.lowerName(i);
    if (HOP_BY_HOP.has(lower) || (named.includes(lower) && !isFramingField(lower))) continue;
    out.addLower(headers.name(i), lower, headers.value(i));
  }
  return out;
}
