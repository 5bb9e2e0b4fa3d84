/**
 * A minimal DER encoder and reader: only the ASN.1 types an X.509 v3 certificate with an
 * ECDSA key needs. Every encoder returns the complete TLV (tag, length, value) as bytes.
 * @module
 */

/** The universal tags this module writes or reads. */
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Bytes backed by a plain ArrayBuffer, as WebCrypto takes them. */
export type Bytes = Uint8Array<ArrayBuffer>;

const encoder = new TextEncoder();

function concat(parts: readonly Bytes[]): Bytes {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function encodeLength(n: number): Bytes {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/** A TLV with `tag` around `content`. */
export function tlv(tag: number, content: Bytes): Bytes {
  return concat([Uint8Array.of(tag), encodeLength(content.length), content]);
}

/** SEQUENCE of already encoded items, in order. */
export function sequence(...items: Bytes[]): Bytes {
  return tlv(TAG.SEQUENCE, concat(items));
}

/** SET of already encoded items; DER sorts SET OF members by their encoding. */
export function set(...items: Bytes[]): Bytes {
  const sorted = [...items].sort(compareBytes);
  return tlv(TAG.SET, concat(sorted));
}

function compareBytes(a: Bytes, b: Bytes): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return a.length - b.length;
}

/**
 * INTEGER from big-endian unsigned magnitude bytes: leading zeros are dropped and one zero
 * is put back when the top bit is set, so the value stays positive (DER's minimal form).
 */
export function unsignedInteger(magnitude: Bytes): Bytes {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const body = magnitude.subarray(start);
  if (body.length === 0) return tlv(TAG.INTEGER, Uint8Array.of(0));
  return tlv(TAG.INTEGER, body[0] & 0x80 ? concat([Uint8Array.of(0), body]) : body);
}

/** INTEGER from a small non-negative number. */
export function smallInteger(n: number): Bytes {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`"${n}" is not a small integer`);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return unsignedInteger(Uint8Array.from(bytes.length ? bytes : [0]));
}

/** BOOLEAN (DER writes true as 0xff). */
export function boolean(value: boolean): Bytes {
  return tlv(TAG.BOOLEAN, Uint8Array.of(value ? 0xff : 0));
}

/** NULL. */
export function nullValue(): Bytes {
  return tlv(TAG.NULL, new Uint8Array(0));
}

/** OBJECT IDENTIFIER from its dotted form, e.g. `"1.2.840.10045.2.1"`. */
export function oid(dotted: string): Bytes {
  const arcs = dotted.split(".").map((a) => {
    if (!/^\d+$/.test(a)) throw new RangeError(`"${dotted}" is not a dotted OID`);
    return BigInt(a);
  });
  if (arcs.length < 2 || arcs[0] > 2n) throw new RangeError(`"${dotted}" is not a dotted OID`);
  const out: number[] = [];
  for (const arc of [arcs[0] * 40n + arcs[1], ...arcs.slice(2)]) {
    const groups = [Number(arc & 0x7fn)];
    for (let v = arc >> 7n; v > 0n; v >>= 7n) groups.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...groups);
  }
  return tlv(TAG.OID, Uint8Array.from(out));
}

/** UTF8String. */
export function utf8String(text: string): Bytes {
  return tlv(TAG.UTF8_STRING, encoder.encode(text));
}

/** PrintableString; throws on characters outside its set. */
export function printableString(text: string): Bytes {
  if (!/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(text)) {
    throw new RangeError(`"${text}" has characters a PrintableString cannot hold`);
  }
  return tlv(TAG.PRINTABLE_STRING, encoder.encode(text));
}

/** IA5String (ASCII); throws on non-ASCII characters. */
export function ia5String(text: string): Bytes {
  if ([...text].some((c) => c.charCodeAt(0) > 0x7f)) throw new RangeError(`"${text}" is not ASCII`);
  return tlv(TAG.IA5_STRING, encoder.encode(text));
}

function digits(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

function timeText(date: Date, yearWidth: number): string {
  const year = date.getUTCFullYear();
  return digits(yearWidth === 2 ? year % 100 : year, yearWidth) +
    digits(date.getUTCMonth() + 1, 2) + digits(date.getUTCDate(), 2) +
    digits(date.getUTCHours(), 2) + digits(date.getUTCMinutes(), 2) +
    digits(date.getUTCSeconds(), 2) + "Z";
}

/** UTCTime `YYMMDDHHMMSSZ` (seconds precision, years 1950..2049). */
export function utcTime(date: Date): Bytes {
  const year = date.getUTCFullYear();
  if (year < 1950 || year > 2049) throw new RangeError(`${year} is outside UTCTime's range`);
  return tlv(TAG.UTC_TIME, encoder.encode(timeText(date, 2)));
}

/** GeneralizedTime `YYYYMMDDHHMMSSZ` (seconds precision). */
export function generalizedTime(date: Date): Bytes {
  return tlv(TAG.GENERALIZED_TIME, encoder.encode(timeText(date, 4)));
}

/** X.509's `Time`: UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5). */
export function x509Time(date: Date): Bytes {
  return date.getUTCFullYear() < 2050 ? utcTime(date) : generalizedTime(date);
}

/** BIT STRING of whole bytes, or with `unusedBits` low bits of the last byte unused. */
export function bitString(bytes: Bytes, unusedBits = 0): Bytes {
  return tlv(TAG.BIT_STRING, concat([Uint8Array.of(unusedBits), bytes]));
}

/** OCTET STRING. */
export function octetString(bytes: Bytes): Bytes {
  return tlv(TAG.OCTET_STRING, bytes);
}

/** `[n] EXPLICIT`: a constructed context tag around one encoded item. */
export function explicit(n: number, item: Bytes): Bytes {
  return tlv(0xa0 | n, item);
}

/** `[n] IMPLICIT` primitive: the context tag replaces the primitive type's own tag. */
export function implicitPrimitive(n: number, content: Bytes): Bytes {
  return tlv(0x80 | n, content);
}

/** One element read back from DER. */
export interface Tlv {
  /** The tag byte (single-byte tags only). */
  readonly tag: number;
  /** The content bytes (a view into the input). */
  readonly value: Bytes;
  /** The whole element, tag and length included (a view into the input). */
  readonly raw: Bytes;
}

/** Thrown by the reader on bytes that are not well-formed DER of the shapes it knows. */
export class DerError extends Error {
  /** Always "DerError". */
  override name = "DerError";
}

/** Reads one element at `offset` of `bytes`. */
export function readTlv(bytes: Bytes, offset = 0): Tlv {
  if (offset + 2 > bytes.length) throw new DerError("DER ends inside a tag");
  const tag = bytes[offset];
  if ((tag & 0x1f) === 0x1f) throw new DerError("DER multi-byte tags are not supported");
  let length = bytes[offset + 1];
  let at = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new DerError("DER length is indefinite or too long");
    if (at + count > bytes.length) throw new DerError("DER ends inside a length");
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[at + i];
    at += count;
  }
  if (at + length > bytes.length) throw new DerError("DER element runs past the end");
  return { tag, value: bytes.subarray(at, at + length), raw: bytes.subarray(offset, at + length) };
}

/** The elements inside a constructed element's content, in order. */
export function readChildren(content: Bytes): Tlv[] {
  const out: Tlv[] = [];
  for (let at = 0; at < content.length;) {
    const item = readTlv(content, at);
    out.push(item);
    at += item.raw.length;
  }
  return out;
}
