export { credentialsMatch, safeEqual } from "../net/credentials.ts";

/**
 * Decodes a `Basic` authorization value (`Proxy-Authorization: Basic dXNlcjpwYXNz`) into its
 * username and password; undefined when it is not well-formed Basic.
 */
export function parseBasic(
  value: string | null | undefined,
): { username: string; password: string } | undefined {
  if (!value) return undefined;
  const m = /^\s*basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(value);
  if (!m) return undefined;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(atob(m[1]), (c) => c.charCodeAt(0)),
    );
  } catch {
    return undefined;
  }
  const i = text.indexOf(":");
  if (i < 0) return undefined;
  return { username: text.slice(0, i), password: text.slice(i + 1) };
}
