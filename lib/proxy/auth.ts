import { timingSafeEqual } from "node:crypto";

const encoder = new TextEncoder();

/** Compares two strings in time that depends only on their lengths. */
export function safeEqual(given: string, expected: string): boolean {
  const a = encoder.encode(given);
  const b = encoder.encode(expected);
  // Compare against itself when lengths differ so the work done does not reveal where.
  return a.length === b.length ? timingSafeEqual(a, b) : (timingSafeEqual(b, b) && false);
}

/** Whether a username/password pair matches the configured one, in constant time. */
export function credentialsMatch(
  username: string,
  password: string,
  expected: { readonly username: string; readonly password: string },
): boolean {
  const u = safeEqual(username, expected.username);
  const p = safeEqual(password, expected.password);
  return u && p;
}

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
