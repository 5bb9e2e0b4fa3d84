/**
 * Reads back the few fields of a DER certificate that lib/pki needs: its public key,
 * validity and subjectAltName entries.
 * @module
 */
import { type Bytes, DerError, oid, readChildren, readTlv, TAG } from "./asn1.ts";

/** What {@linkcode readCertificate} finds in a certificate. */
export interface CertificateInfo {
  /** The DER SubjectPublicKeyInfo. */
  readonly spki: Bytes;
  /** Start of validity. */
  readonly notBefore: Date;
  /** End of validity. */
  readonly notAfter: Date;
  /** subjectAltName entries: DNS names as written, IP addresses in their usual text form. */
  readonly names: readonly string[];
}

const SAN_OID = oid("2.5.29.17");
const decoder = new TextDecoder();

function expect(item: { tag: number } | undefined, tag: number, what: string): void {
  if (item?.tag !== tag) throw new DerError(`certificate ${what} is missing or malformed`);
}

function parseTime(item: { tag: number; value: Uint8Array }): Date {
  const text = decoder.decode(item.value);
  const m = item.tag === TAG.UTC_TIME
    ? /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(text)
    : /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(text);
  if (!m) throw new DerError(`certificate time "${text}" is malformed`);
  let year = Number(m[1]);
  if (item.tag === TAG.UTC_TIME) year += year < 50 ? 2000 : 1900;
  const [, , mo, d, h, mi, s] = m.map(Number);
  return new Date(Date.UTC(year, mo - 1, d, h, mi, s));
}

function ipText(bytes: Uint8Array): string {
  if (bytes.length === 4) return [...bytes].join(".");
  const groups: string[] = [];
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  }
  // The URL parser writes the canonical (RFC 5952) compressed form.
  return new URL(`http://[${groups.join(":")}]/`).hostname.slice(1, -1);
}

function sanNames(extensions: Bytes): string[] {
  for (const ext of readChildren(readTlv(extensions).value)) {
    const [id, ...rest] = readChildren(ext.value);
    if (!id || id.raw.length !== SAN_OID.length || !id.raw.every((b, i) => b === SAN_OID[i])) {
      continue;
    }
    const value = rest[rest.length - 1];
    expect(value, TAG.OCTET_STRING, "subjectAltName");
    return readChildren(readTlv(value.value).value).flatMap((entry) => {
      if (entry.tag === 0x82) return [decoder.decode(entry.value)];
      if (entry.tag === 0x87) return [ipText(entry.value)];
      return [];
    });
  }
  return [];
}

/** Reads `der`; throws a DerError when it is not a certificate of the usual shape. */
export function readCertificate(der: Bytes): CertificateInfo {
  const cert = readTlv(der);
  expect(cert, TAG.SEQUENCE, "");
  if (cert.raw.length !== der.length) throw new DerError("certificate has trailing bytes");
  const [tbs] = readChildren(cert.value);
  expect(tbs, TAG.SEQUENCE, "tbsCertificate");
  const fields = readChildren(tbs.value);
  const at = fields[0]?.tag === 0xa0 ? 1 : 0; // [0] version is absent in v1
  const validity = fields[at + 3];
  expect(validity, TAG.SEQUENCE, "validity");
  const [notBefore, notAfter] = readChildren(validity.value);
  const spki = fields[at + 5];
  expect(spki, TAG.SEQUENCE, "subjectPublicKeyInfo");
  const extensions = fields.slice(at + 6).find((f) => f.tag === 0xa3);
  return {
    spki: spki.raw,
    notBefore: parseTime(notBefore),
    notAfter: parseTime(notAfter),
    names: extensions ? sanNames(extensions.value) : [],
  };
}
