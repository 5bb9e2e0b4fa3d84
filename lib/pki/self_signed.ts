/**
 * A self-signed ECDSA P-256 server certificate made with WebCrypto, for a server that has
 * no `cert`/`key` configured: clients trust exactly this certificate (as their `ca` file or
 * by its fingerprint).
 * @module
 */
import { randomSerial, signCertificate, spkiPublicKeyBits } from "./certificate.ts";
import {
  authorityKeyIdentifier,
  basicConstraints,
  CLIENT_AUTH,
  extendedKeyUsage,
  keyUsage,
  SERVER_AUTH,
  subjectAltName,
  subjectKeyIdentifier,
} from "./extensions.ts";
import { fingerprintOfDer } from "./fingerprint.ts";
import { pemEncode } from "./pem.ts";

/** Options of {@linkcode createSelfSigned}. */
export interface SelfSignedOptions {
  /** DNS names and/or IP addresses for subjectAltName; the first is also the subject CN. */
  readonly names: readonly string[];
  /** Days of validity from now. @default 3650 */
  readonly days?: number;
}

/** A certificate, its private key and the certificate's fingerprint. */
export interface SelfSigned {
  /** The certificate, PEM `CERTIFICATE`. */
  readonly certPem: string;
  /** The private key, PEM `PRIVATE KEY` (unencrypted PKCS#8). */
  readonly keyPem: string;
  /** SHA-256 of the certificate's DER, `AB:CD:...` as openssl prints it. */
  readonly fingerprint: string;
}

/** Default validity: the pair lives beside its config and is trusted by pinning. */
export const DEFAULT_DAYS = 3650;
/** notBefore lies this far back so a client whose clock is behind still accepts it. */
const BACKDATE_MS = 24 * 3600 * 1000;
/** RFC 5280's upper bound for a common name. */
const MAX_CN = 64;

/**
 * Makes a new key pair and an X.509 v3 certificate for it, signed by itself.
 *
 * It is marked as an end entity (basicConstraints CA:FALSE, keyUsage digitalSignature,
 * extendedKeyUsage serverAuth and clientAuth): rustls, which Deno uses, refuses a server
 * certificate marked CA:TRUE ("CaUsedAsEndEntity") even when that same certificate is the
 * trust anchor, and matches names against subjectAltName only. A client passes the
 * certificate PEM as `caCerts` of `Deno.connectTls`; curl takes it as `--cacert`.
 */
export async function createSelfSigned(options: SelfSignedOptions): Promise<SelfSigned> {
  const { names, days = DEFAULT_DAYS } = options;
  if (names.length === 0) throw new RangeError("a certificate needs at least one name");
  if (!(days > 0)) throw new RangeError(`days "${days}" is not a positive number`);
  const keys = await crypto.subtle.generateKey(
    { name: "ECDSA", namedCurve: "P-256" },
    true,
    ["sign", "verify"],
  );
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", keys.publicKey));
  const keyId = new Uint8Array(await crypto.subtle.digest("SHA-1", spkiPublicKeyBits(spki)));
  const now = Date.now();
  const der = await signCertificate(keys.publicKey, keys.privateKey, {
    commonName: names[0].slice(0, MAX_CN),
    serial: randomSerial(),
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + days * 24 * 3600 * 1000),
    extensions: [
      basicConstraints(false),
      keyUsage("digitalSignature"),
      extendedKeyUsage(SERVER_AUTH, CLIENT_AUTH),
      subjectAltName(names),
      subjectKeyIdentifier(keyId),
      authorityKeyIdentifier(keyId),
    ],
  });
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", keys.privateKey));
  return {
    certPem: pemEncode("CERTIFICATE", der),
    keyPem: pemEncode("PRIVATE KEY", pkcs8),
    fingerprint: await fingerprintOfDer(der),
  };
}
