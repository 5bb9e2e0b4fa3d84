/**
 * Certificate fingerprints as `openssl x509 -noout -fingerprint -sha256` prints them:
 * SHA-256 of the DER, upper-case hex pairs joined by colons.
 * @module
 */
import type { Bytes } from "./asn1.ts";
import { pemDecodeAll } from "./pem.ts";

/** The SHA-256 fingerprint of a DER certificate, `AB:CD:...` (32 pairs). */
export async function fingerprintOfDer(der: Bytes): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", der));
  return formatFingerprint(digest);
}

/** `AB:CD:...` from digest bytes. */
export function formatFingerprint(digest: Bytes): string {
  return digest.toHex().toUpperCase().match(/../g)!.join(":");
}

/**
 * The fingerprint of the first certificate in PEM `text` (the leaf of a chain file).
 * Throws a TypeError when `text` holds no certificate or its base64 is bad.
 */
export async function certificateFingerprint(text: string): Promise<string> {
  let blocks: Bytes[];
  try {
    blocks = pemDecodeAll(text, "CERTIFICATE");
  } catch {
    throw new TypeError("the PEM certificate has bad base64");
  }
  if (blocks.length === 0) throw new TypeError("no PEM certificate found");
  return await fingerprintOfDer(blocks[0]);
}

/**
 * A fingerprint a user typed, in canonical form, or undefined if it is not 32 hex bytes.
 * Accepts any case, with or without colons or spaces, and an optional `sha256:` or
 * `SHA256 Fingerprint=` prefix (what openssl prints), so one pasted from openssl, a browser
 * or our own log line all compare equal.
 */
export function normalizeFingerprint(text: string): string | undefined {
  const bare = text.trim().replace(/^(sha-?256(\s+fingerprint)?\s*[:=]\s*)/i, "")
    .replace(/[\s:]/g, "");
  if (!/^[0-9a-fA-F]{64}$/.test(bare)) return undefined;
  return bare.toUpperCase().match(/../g)!.join(":");
}
