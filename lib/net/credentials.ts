/**
 * Username/password checks in constant time, shared by the forward proxy (HTTP Basic, SOCKS5)
 * and the tunnel's `hello`.
 * @module
 */
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
