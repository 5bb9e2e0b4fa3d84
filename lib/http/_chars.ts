// Byte classes of RFC 9110 §5.6.2 / RFC 9112, as lookup tables so parsers test one byte with
// one array read.

/** CR, LF, SP, HTAB and the colon, as byte values. */
export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HTAB = 0x09;
export const COLON = 0x3a;

/** 1 for `tchar`: the characters of a token (method, field name, transfer coding). */
export const TCHAR: Uint8Array = table((b) =>
  (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) ||
  "!#$%&'*+-.^_`|~".includes(String.fromCharCode(b))
);

/** 1 for bytes allowed inside a field value: VCHAR, obs-text, SP and HTAB. */
export const FIELD_CHAR: Uint8Array = table((b) =>
  b === SP || b === HTAB || (b >= 0x21 && b <= 0x7e) || b >= 0x80
);

/** 1 for bytes allowed in a request-target: visible ASCII only (RFC 3986 plus lenient). */
export const TARGET_CHAR: Uint8Array = table((b) => b >= 0x21 && b <= 0x7e);

/** Whether `text` is a non-empty RFC 9110 token (field name, method, transfer coding). */
export function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff || TCHAR[c] !== 1) return false;
  }
  return true;
}

function table(test: (b: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let b = 0; b < 256; b++) t[b] = test(b) ? 1 : 0;
  return t;
}

const ascii = new TextDecoder();
const NON_ASCII = /[\u0080-\uffff]/;
const encoder = new TextEncoder();

/**
 * Decodes bytes one char per byte (ISO-8859-1), so string offsets equal byte offsets. `high`
 * says whether any byte is ≥ 0x80; without one the native UTF-8 decoder gives the same result.
 */
export function decodeLatin1(bytes: Uint8Array, high: boolean): string {
  if (!high) return ascii.decode(bytes);
  let out = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    out += String.fromCharCode.apply(
      null,
      bytes.subarray(i, Math.min(bytes.length, i + 8192)) as unknown as number[],
    );
  }
  return out;
}

/** Encodes a string of chars ≤ 0xff one byte per char (the inverse of {@link decodeLatin1}). */
export function encodeLatin1(text: string): Uint8Array {
  if (!NON_ASCII.test(text)) return encoder.encode(text);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}
