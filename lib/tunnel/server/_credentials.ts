/**
 * The credential check of a tunnel `hello`, in time that depends only on the lengths.
 * @module
 */
import { timingSafeEqual } from "node:crypto";

const encoder = new TextEncoder();

/** Whether `given` equals `expected`, comparing every byte whatever differs first. */
function sameSecret(given: string, expected: string): boolean {
  const a = encoder.encode(given);
  const b = encoder.encode(expected);
  // Compare against itself when lengths differ so the work done does not reveal where.
  return a.length === b.length ? timingSafeEqual(a, b) : (timingSafeEqual(b, b) && false);
}

/** Whether a client's username and password match; a null expected username needs none. */
export function credentialsAccepted(
  username: string,
  password: string,
  expected: { readonly username: string | null; readonly password: string | null },
): boolean {
  if (expected.username === null) return true;
  const user = sameSecret(username, expected.username);
  const pass = sameSecret(password, expected.password ?? "");
  return user && pass;
}
