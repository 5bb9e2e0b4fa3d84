import { createPrivateKey, X509Certificate } from "node:crypto";
import type { Checker, Table } from "./_checker.ts";
import type { KeyPath } from "./locate.ts";
import type { HttpTlsMaterial } from "./schema.ts";

const CERT_EXPECTED = "a PEM certificate file (-----BEGIN CERTIFICATE-----)";

/** The names of a table's certificate and key keys. */
export interface TlsKeyNames {
  /** The certificate key. @default "cert" */
  readonly cert: string;
  /** The private key key. @default "key" */
  readonly key: string;
}

/**
 * Reads and checks a server's `cert` and `key` files (or the keys `names` gives): both given,
 * both readable PEM, and the key belonging to the certificate. Errors name the key path;
 * returns null when either is missing or wrong (the errors say why) or when neither is set.
 */
export function readTlsFiles(
  c: Checker,
  t: Table,
  path: KeyPath,
  names: TlsKeyNames = { cert: "cert", key: "key" },
): HttpTlsMaterial | null {
  const keyExpected = `a PEM private key file matching ${names.cert}`;
  const rawCert = t[names.cert];
  const rawKey = t[names.key];
  const certPath = typeof rawCert === "string" && rawCert !== "" ? rawCert : undefined;
  const keyPath = typeof rawKey === "string" && rawKey !== "" ? rawKey : undefined;
  const certAt = [...path, names.cert];
  const keyAt = [...path, names.key];
  if (rawCert !== undefined && certPath === undefined) {
    c.error(certAt, "is not a file path", CERT_EXPECTED);
  }
  if (rawKey !== undefined && keyPath === undefined) {
    c.error(keyAt, "is not a file path", keyExpected);
  }
  if (certPath === undefined || keyPath === undefined) {
    if (certPath !== undefined) c.error(keyAt, "is missing", `the key of ${names.cert}`);
    if (keyPath !== undefined) c.error(certAt, "is missing", `the certificate of ${names.key}`);
    return null;
  }
  const certPem = readText(c, certAt, certPath, CERT_EXPECTED);
  const keyPem = readText(c, keyAt, keyPath, keyExpected);
  if (certPem === undefined || keyPem === undefined) return null;
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    c.error(certAt, `"${certPath}" holds no PEM certificate`, CERT_EXPECTED);
    return null;
  }
  let matches: boolean;
  try {
    matches = cert.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    c.error(keyAt, `"${keyPath}" holds no PEM private key`, keyExpected);
    return null;
  }
  if (!matches) {
    c.error(keyAt, `"${keyPath}" is not the key of "${certPath}"`, keyExpected);
    return null;
  }
  return { cert_pem: certPem, key_pem: keyPem };
}

/** The text of a file, or an error at `path` saying it does not exist or cannot be read. */
export function readText(
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
