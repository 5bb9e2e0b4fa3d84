/**
 * Reading a TLS client's first flight (its whole ClientHello) off a plain socket, so it can be
 * passed on in one write.
 *
 * Why: Deno 2.9's TLS listener with an SNI resolver (lib/net/tls_listen.ts) reads the
 * ClientHello with rustls' `Acceptor`, and its loop (rustls-tokio-stream `accept`) treats a
 * read that finds no bytes as a failed handshake (`WouldBlock`) instead of waiting: a
 * ClientHello that arrives in two pieces fails whenever the first piece is read alone.
 * @module
 */

/** Bytes past which a ClientHello is not waited for any more (the listener then decides). */
const MAX_HELLO = 64 * 1024;
const RECORD_HEADER = 5;
const HANDSHAKE = 0x16;

/** Anything bytes can be read from, like a `Deno.Conn`. */
export interface HelloSource {
  read(p: Uint8Array): Promise<number | null>;
}

/**
 * How many bytes of `buf` hold the complete ClientHello that starts it (its records), or
 * undefined while more are needed. A start that is not a TLS handshake record, or a hello
 * over 64 KiB, counts as complete at once (whoever gets the bytes refuses them).
 */
export function clientHelloLength(buf: Uint8Array): number | undefined {
  if (buf.length > 0 && buf[0] !== HANDSHAKE) return buf.length;
  let at = 0;
  let payload = 0;
  let needed = Infinity;
  while (at + RECORD_HEADER <= buf.length) {
    if (buf[at] !== HANDSHAKE) return at;
    const length = (buf[at + 3] << 8) | buf[at + 4];
    const body = at + RECORD_HEADER;
    if (needed === Infinity) {
      // The handshake message's own header (type, 24-bit length) starts the first record.
      // A message header split across records: legal, never seen; not waited for.
      if (length < 4) return buf.length;
      if (body + 4 > buf.length) return undefined;
      needed = 4 + ((buf[body + 1] << 16) | (buf[body + 2] << 8) | buf[body + 3]);
      if (needed > MAX_HELLO) return buf.length;
    }
    if (body + length > buf.length) return undefined;
    payload += length;
    at = body + length;
    if (payload >= needed) return at;
  }
  return buf.length >= MAX_HELLO ? buf.length : undefined;
}

/**
 * Reads from `source` until `initial` plus what was read holds a complete ClientHello (see
 * {@link clientHelloLength}); returns every byte read, `initial` first, or null when the
 * stream ended before. Deadlines are the caller's (close the connection).
 * @param source the connection, past whatever came before the TLS bytes
 * @param initial bytes already read from it
 */
export async function readClientHello(
  source: HelloSource,
  initial: Uint8Array,
): Promise<Uint8Array | null> {
  let buf = new Uint8Array(Math.max(2048, initial.length * 2));
  buf.set(initial);
  let filled = initial.length;
  while (filled === 0 || clientHelloLength(buf.subarray(0, filled)) === undefined) {
    if (filled === buf.length) {
      const bigger = new Uint8Array(buf.length * 2);
      bigger.set(buf);
      buf = bigger;
    }
    const n = await source.read(buf.subarray(filled));
    if (n === null || n === 0) return null;
    filled += n;
  }
  return buf.subarray(0, filled);
}
