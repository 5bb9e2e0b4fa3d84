/**
 * Bytes and text for tests: one encoder and decoder, random and patterned payloads, hashes.
 * @module
 */

/** UTF-8 encoder shared by the tests. */
export const encoder: TextEncoder = new TextEncoder();
/** UTF-8 decoder shared by the tests. */
export const decoder: TextDecoder = new TextDecoder();

/** Random bytes of any length (crypto.getRandomValues is limited to 64 KiB per call). */
export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  for (let off = 0; off < n; off += 65536) {
    crypto.getRandomValues(out.subarray(off, Math.min(n, off + 65536)));
  }
  return out;
}

/** The parts one after the other in one array. */
export function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** SHA-256 of bytes, hex. */
export async function sha256(data: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
