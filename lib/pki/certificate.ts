/**
 * Builds and signs an X.509 v3 certificate with an ECDSA P-256 key (ecdsa-with-SHA256).
 * @module
 */
import {
  bitString,
  type Bytes,
  explicit,
  oid,
  readChildren,
  readTlv,
  sequence,
  set,
  smallInteger,
  TAG,
  unsignedInteger,
  utf8String,
  x509Time,
} from "./asn1.ts";

/** ecdsa-with-SHA256 (RFC 5758 3.2): the AlgorithmIdentifier has no parameters. */
const ECDSA_WITH_SHA256 = sequence(oid("1.2.840.10045.4.3.2"));
/** The ECDSA sign parameters WebCrypto takes for P-256 with SHA-256. */
const SIGN = { name: "ECDSA", hash: "SHA-256" } as const;

/** What goes into a certificate besides its key. */
export interface CertificateFields {
  /** The subject's (and, self-signed, the issuer's) common name. */
  readonly commonName: string;
  /** The issuer's common name. @default commonName (self-signed) */
  readonly issuerCommonName?: string;
  /** Serial number, big-endian magnitude (positive, at most 20 bytes). */
  readonly serial: Bytes;
  /** Start of validity. */
  readonly notBefore: Date;
  /** End of validity. */
  readonly notAfter: Date;
  /** Encoded `Extension` elements (see extensions.ts), in order. */
  readonly extensions: readonly Bytes[];
}

function name(commonName: string): Bytes {
  return sequence(set(sequence(oid("2.5.4.3"), utf8String(commonName))));
}

/**
 * WebCrypto's ECDSA signature is the raw `r || s` (IEEE P1363); X.509 wants the DER
 * `ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` (RFC 3279 2.2.3).
 */
export function ecdsaRawToDer(raw: Bytes): Bytes {
  const half = raw.length / 2;
  return sequence(unsignedInteger(raw.subarray(0, half)), unsignedInteger(raw.subarray(half)));
}

/** A random positive 16-byte serial (RFC 5280 asks for at most 20 bytes, positive, non-zero). */
export function randomSerial(): Bytes {
  const serial = crypto.getRandomValues(new Uint8Array(16));
  serial[0] = (serial[0] & 0x7f) | 0x01;
  return serial;
}

/**
 * The DER certificate for `publicKey` with `fields`, signed by `signingKey` (the matching
 * private key when self-signed).
 */
export async function signCertificate(
  publicKey: CryptoKey,
  signingKey: CryptoKey,
  fields: CertificateFields,
): Promise<Bytes> {
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", publicKey));
  const tbs = sequence(
    explicit(0, smallInteger(2)), // v3
    unsignedInteger(fields.serial),
    ECDSA_WITH_SHA256,
    name(fields.issuerCommonName ?? fields.commonName),
    sequence(x509Time(fields.notBefore), x509Time(fields.notAfter)),
    name(fields.commonName),
    spki,
    ...(fields.extensions.length ? [explicit(3, sequence(...fields.extensions))] : []),
  );
  const raw = new Uint8Array(await crypto.subtle.sign(SIGN, signingKey, tbs));
  return sequence(tbs, ECDSA_WITH_SHA256, bitString(ecdsaRawToDer(raw)));
}

/** The subjectPublicKey bits of an SPKI (what a key identifier hashes). */
export function spkiPublicKeyBits(spki: Bytes): Bytes {
  const [, key] = readChildren(readTlv(spki).value);
  if (key?.tag !== TAG.BIT_STRING) throw new TypeError("SPKI has no public key bit string");
  return key.value.subarray(1);
}
