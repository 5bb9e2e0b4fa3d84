import { createPrivateKey, X509Certificate } from "node:crypto";
import type { Checker, Table } from "./_checker.ts";
import type { KeyPath } from "./locate.ts";
import type { HttpTlsMaterial } from "./schema.ts";

const CERT_EXPECTED = "a PEM certificate file (-----BEGIN CERTIFICATE-----)";
const KEY_EXPECTED = "a PEM private key file matching cert";

/**
 * Reads and checks a server's `cert` and `key` files: both given, both readable PEM, and the
 * key belonging to the certificate. Errors name the key path; returns null when either is
 * missing or wrong (the errors say why) or when neither is set.
 */
export function readTlsFiles(c: Checker, t: Table, path: KeyPath): HttpTlsMaterial | null {
  const certPath = typeof t.cert === "string" && t.cert !== "" ? t.cert : undefined;
  const keyPath = typeof t.key === "string" && t.key !== "" ? t.key : undefined;
  if (t.cert !== undefined && certPath === undefined) {
    c.error([...path, "cert"], "is not a file path", CERT_EXPECTED);
  }
  if (t.key !== undefined && keyPath === undefined) {
    c.error([...path, "key"], "is not a file path", KEY_EXPECTED);
  }
  if (certPath === undefined || keyPath === undefined) {
    if (certPath !== undefined) c.error([...path, "key"], "is missing", "the key of cert");
    if (keyPath !== undefined) c.error([...path, "cert"], "is missing", "the certificate of key");
    return null;
  }
  const certPem = readText(c, [...path, "cert"], certPath, CERT_EXPECTED);
  const keyPem = readText(c, [...path, "key"], keyPath, KEY_EXPECTED);
  if (certPem === undefined || keyPem === undefined) return null;
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    c.error([...path, "cert"], `"${certPath}" holds no PEM certificate`, CERT_EXPECTED);
    return null;
  }
  let matches: boolean;
  try {
    matches = cert.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    c.error([...path, "key"], `"${keyPath}" holds no PEM private key`, KEY_EXPECTED);
    return null;
  }
  if (!matches) {
    c.error([...path, "key"], `"${keyPath}" is not the key of "${certPath}"`, KEY_EXPECTED);
    return null;
  }
  return { cert_pem: certPem, key_pem: keyPem };
}

function readText(
  c: Checker,
  path: KeyPath,
  file: string,
  expected: string,
): string | undefined {
  try {
    return Deno.readTextFileSync(file);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound ? "does not exist" : "cannot be read";
    c.error(path, `"${file}" ${why}`, expected);
    return undefined;
  }
}
