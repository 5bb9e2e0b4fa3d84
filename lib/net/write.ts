/** Anything bytes can be written to, like a `Deno.Conn`. */
export interface ByteSink {
  /** Writes some of `p`; the number of bytes written. */
  write(p: Uint8Array): Promise<number>;
}

/** Writes every byte of `data`, looping over short writes. */
export async function writeAll(dst: ByteSink, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) off += await dst.write(data.subarray(off));
}
