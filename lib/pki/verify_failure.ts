/**
 * Recognises a TLS client's certificate verification failure (rustls, as Deno reports it)
 * so the caller can say what to copy where instead of repeating rustls' words.
 * @module
 */

/**
 * Why the server's certificate was refused:
 * - `untrusted`: not signed by anything in `caCerts` (a different certificate, or none given)
 * - `name`: trusted, but it does not cover the name the client dialled
 * - `expired`: outside its validity period (or the client's clock is off)
 * - `usage`: marked for another use (CA:TRUE, or extendedKeyUsage without serverAuth)
 * - `other`: any other "invalid peer certificate" reason
 */
export type VerifyFailure = "untrusted" | "name" | "expired" | "usage" | "other";

/** The kind of certificate failure `error` reports, or undefined if it is not one. */
export function verifyFailure(error: unknown): VerifyFailure | undefined {
  const message = error instanceof Error ? error.message : "";
  const at = message.indexOf("invalid peer certificate: ");
  if (at < 0) return undefined;
  const reason = message.slice(at + 26);
  if (/^(UnknownIssuer|BadSignature)\b/.test(reason)) return "untrusted";
  if (reason.startsWith("certificate not valid for name")) return "name";
  if (/^(Expired|NotValidYet)|certificate expired|not valid yet/i.test(reason)) return "expired";
  if (/CaUsedAsEndEntity|extended key usage|InvalidPurpose/.test(reason)) return "usage";
  return "other";
}
