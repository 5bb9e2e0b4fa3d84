/**
 * A server's own certificate beside its config: made once on first start, reused after.
 * @module
 */
import type { Bytes } from "./asn1.ts";
import { spkiPublicKeyBits } from "./certificate.ts";
import { readCertificate } from "./certificate_info.ts";
import { PkiError } from "./errors.ts";
import { fingerprintOfDer } from "./fingerprint.ts";
import { pemDecodeAll } from "./pem.ts";
import { createSelfSigned } from "./self_signed.ts";

/** Options of {@linkcode ensureSelfSigned}. */
export interface EnsureSelfSignedOptions {
  /** The file names without extension: `<baseName>.crt` and `<baseName>.key`. */
  readonly baseName: string;
  /** DNS names and IP addresses for a new certificate (an existing one is kept as is). */
  readonly names: readonly string[];
  /** Validity of a new certificate in days. @default 3650 */
  readonly days?: number;
}

/** The pair {@linkcode ensureSelfSigned} found or made. */
export interface EnsuredPair {
  /** `<dir>/<baseName>.crt`: what clients copy as their `ca` file. */
  readonly certFile: string;
  /** `<dir>/<baseName>.key` (mode 0600 when created here). */
  readonly keyFile: string;
  /** The certificate, PEM. */
  readonly certPem: string;
  /** The private key, PEM PKCS#8. */
  readonly keyPem: string;
  /** SHA-256 fingerprint of the certificate, `AB:CD:...`. */
  readonly fingerprint: string;
  /** The names the certificate covers (its subjectAltName). */
  readonly names: readonly string[];
  /** End of the certificate's validity. */
  readonly notAfter: Date;
  /** True when this call made the pair, false when it loaded existing files. */
  readonly created: boolean;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw new PkiError("unreadable", path, `"${path}" cannot be read: ${(e as Error).message}`);
  }
}

async function readText(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    throw new PkiError("unreadable", path, `"${path}" cannot be read: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/** The one PEM block of `label` in the file at `path`, as DER. */
function onlyBlock(text: string, label: string, path: string): Bytes {
  let blocks: Bytes[] = [];
  try {
    blocks = pemDecodeAll(text, label);
  } catch { /* reported below */ }
  if (blocks.length === 0) {
    throw new PkiError("invalid", path, `"${path}" holds no valid PEM ${label} block`);
  }
  return blocks[0];
}

/** Whether the PKCS#8 ECDSA P-256 key `pkcs8` is the private half of `spki`. */
async function keyMatches(pkcs8: Bytes, spki: Bytes, keyFile: string): Promise<boolean> {
  let jwk: JsonWebKey;
  try {
    const key = await crypto.subtle.importKey(
      "pkcs8",
      pkcs8,
      { name: "ECDSA", namedCurve: "P-256" },
      true,
      ["sign"],
    );
    jwk = await crypto.subtle.exportKey("jwk", key);
  } catch (e) {
    throw new PkiError("invalid", keyFile, `"${keyFile}" is not an ECDSA P-256 PKCS#8 key`, {
      cause: e,
    });
  }
  const point = spkiPublicKeyBits(spki);
  const x = Uint8Array.fromBase64(jwk.x!, { alphabet: "base64url" });
  const y = Uint8Array.fromBase64(jwk.y!, { alphabet: "base64url" });
  return point.length === 65 && point[0] === 4 &&
    x.every((b, i) => point[1 + i] === b) && y.every((b, i) => point[33 + i] === b);
}

async function load(certFile: string, keyFile: string): Promise<EnsuredPair> {
  const certPem = await readText(certFile);
  const keyPem = await readText(keyFile);
  const der = onlyBlock(certPem, "CERTIFICATE", certFile);
  let info;
  try {
    info = readCertificate(der);
  } catch (e) {
    throw new PkiError("invalid", certFile, `"${certFile}" is not a valid certificate`, {
      cause: e,
    });
  }
  if (!await keyMatches(onlyBlock(keyPem, "PRIVATE KEY", keyFile), info.spki, keyFile)) {
    throw new PkiError(
      "mismatch",
      keyFile,
      `"${keyFile}" is not the key of "${certFile}"; remove both files to make a new pair`,
    );
  }
  return {
    certFile,
    keyFile,
    certPem,
    keyPem,
    fingerprint: await fingerprintOfDer(der),
    names: info.names,
    notAfter: info.notAfter,
    created: false,
  };
}

async function write(path: string, text: string, mode: number): Promise<void> {
  try {
    // createNew: never overwrite a file another process made meanwhile.
    await Deno.writeTextFile(path, text, { mode, createNew: true });
    await Deno.chmod(path, mode); // the umask may have taken bits we asked for
  } catch (e) {
    throw new PkiError("unwritable", path, `"${path}" cannot be written: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/**
 * Loads `<dir>/<baseName>.crt` and `.key` when both exist; when neither does, makes a new
 * self-signed pair for `names` and writes it there (the key with mode 0600, the certificate
 * 0644, creating `dir` if needed). Throws a {@linkcode PkiError} when only one of the two
 * exists, a file cannot be read or written, is not PEM of the right kind, or the key does
 * not belong to the certificate.
 */
export async function ensureSelfSigned(
  dir: string,
  options: EnsureSelfSignedOptions,
): Promise<EnsuredPair> {
  const certFile = `${dir}/${options.baseName}.crt`;
  const keyFile = `${dir}/${options.baseName}.key`;
  const [hasCert, hasKey] = [await exists(certFile), await exists(keyFile)];
  if (hasCert && hasKey) return await load(certFile, keyFile);
  if (hasCert || hasKey) {
    const [present, missing] = hasCert ? [certFile, keyFile] : [keyFile, certFile];
    throw new PkiError(
      "unreadable",
      missing,
      `"${missing}" is missing but "${present}" exists; restore it, or remove "${present}" ` +
        "to make a new pair (clients must then trust the new certificate)",
    );
  }
  const pair = await createSelfSigned({ names: options.names, days: options.days });
  try {
    await Deno.mkdir(dir, { recursive: true });
  } catch (e) {
    throw new PkiError("unwritable", dir, `"${dir}" cannot be created: ${(e as Error).message}`, {
      cause: e,
    });
  }
  await write(keyFile, pair.keyPem, 0o600);
  await write(certFile, pair.certPem, 0o644);
  const info = readCertificate(onlyBlock(pair.certPem, "CERTIFICATE", certFile));
  return {
    certFile,
    keyFile,
    ...pair,
    names: info.names,
    notAfter: info.notAfter,
    created: true,
  };
}
