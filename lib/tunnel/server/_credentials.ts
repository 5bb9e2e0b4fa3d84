/**
 * The credential check of a tunnel `hello`, in time that depends only on the lengths.
 * @module
 */
import { credentialsMatch } from "../../net/credentials.ts";

/** Whether a client's username and password match; a null expected username needs none. */
export function credentialsAccepted(
  username: string,
  password: string,
  expected: { readonly username: string | null; readonly password: string | null },
): boolean {
  if (expected.username === null) return true;
  return credentialsMatch(username, password, {
    username: expected.username,
    password: expected.password ?? "",
  });
}
