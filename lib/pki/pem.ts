/**
 * PEM armour: DER bytes to base64 text between BEGIN/END lines, and back.
 * @module
 */
import type { Bytes } from "./asn1.ts";

/** Wraps `der` as PEM with `label` (`CERTIFICATE`, `PRIVATE KEY`), 64 columns, final newline. */
export function pemEncode(label: string, der: Bytes): string {
  const lines = der.toBase64().match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/**
 * The DER bytes of every `label` block in `text`, in order (text around the blocks, such as
 * openssl's "Bag Attributes" lines, is ignored). Throws a SyntaxError on bad base64.
 */
export function pemDecodeAll(text: string, label: string): Bytes[] {
  const re = new RegExp(`-----BEGIN ${label}-----([^-]*)-----END ${label}-----`, "g");
  return [...text.matchAll(re)].map((m) => Uint8Array.fromBase64(m[1].replace(/\s+/g, "")));
}
