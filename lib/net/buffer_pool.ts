/** Copy buffers are this size: large enough for bulk throughput, small enough per connection. */
export const COPY_BUFFER_SIZE = 64 * 1024;
const MAX_POOLED = 512;
const pool: Uint8Array[] = [];

/** Takes a copy buffer from the pool, or makes one. Give it back with {@link releaseBuffer}. */
export function takeBuffer(): Uint8Array {
  return pool.pop() ?? new Uint8Array(COPY_BUFFER_SIZE);
}

/** Returns a buffer taken with {@link takeBuffer}; the pool keeps a bounded number. */
export function releaseBuffer(buf: Uint8Array): void {
  if (pool.length < MAX_POOLED && buf.byteLength === COPY_BUFFER_SIZE) pool.push(buf);
}
