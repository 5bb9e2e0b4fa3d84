import { decodeProxyHeader } from "./decode.ts";
import { ProxyProtocolError } from "./error.ts";
import type { ProxyHeaderRead, ProxyHeaderSource } from "./types.ts";

/** Options for {@link readProxyHeader}. */
export interface ReadProxyHeaderOptions {
  /** Bytes already read from the source (e.g. while sniffing). @default none */
  readonly initial?: Uint8Array;
}

// Room for the largest common header (v2 with IPv6 and a few TLVs) in one read.
const INITIAL_SIZE = 256;

/**
 * Reads a PROXY header (v1 or v2) from the start of a connection. Reads in chunks, so it
 * usually reads past the header: those bytes come back as `rest`, the start of the payload.
 * Throws {@link ProxyProtocolError} when the connection sends neither signature, a malformed
 * header, or ends before the header does. Deadlines are the caller's (close the connection).
 * @param source the connection
 * @param options bytes already read
 * @returns the header and the bytes read past it
 * @example
 * ```ts
 * const { header, rest } = await readProxyHeader(conn);
 * const visitor = header.kind === "proxy" ? header.source : conn.remoteAddr;
 * ```
 */
export async function readProxyHeader(
  source: ProxyHeaderSource,
  options: ReadProxyHeaderOptions = {},
): Promise<ProxyHeaderRead> {
  const initial = options.initial ?? new Uint8Array(0);
  let buf = new Uint8Array(Math.max(INITIAL_SIZE, initial.length));
  buf.set(initial);
  let filled = initial.length;
  while (true) {
    const decoded = filled > 0 ? decodeProxyHeader(buf.subarray(0, filled)) : undefined;
    if (decoded !== undefined) {
      return { header: decoded.header, rest: buf.slice(decoded.length, filled) };
    }
    if (filled === buf.length) {
      // Only a v2 header gets here (a v1 line fails at 107 bytes): grow to its full length.
      const needed = 16 + ((buf[14] << 8) | buf[15]);
      const bigger = new Uint8Array(Math.max(needed, buf.length * 2));
      bigger.set(buf);
      buf = bigger;
    }
    const n = await source.read(buf.subarray(filled));
    if (n === null) {
      throw new ProxyProtocolError(
        filled === 0
          ? "connection closed before a PROXY header"
          : `connection closed after ${filled} bytes of a PROXY header`,
      );
    }
    filled += n;
  }
}
