/** Copy buffers are this size: large enough for bulk throughput, small enough per connection. */
export const COPY_BUFFER_SIZE = 64 * 1024;
/**
 * The pool keeps at most this many bytes of free copy buffers (256 buffers, 16 MiB): enough that
 * a burst of keep-alive clients, each taking a reader buffer for one request, reuses buffers
 * rather than leaving 64 KiB garbage per request; bounded so memory comes back after load.
 */
export const MAX_POOLED_BYTES = 16 * 1024 * 1024;
const MAX_POOLED = MAX_POOLED_BYTES / COPY_BUFFER_SIZE;
const pool: Uint8Array[] = [];

/** Takes a copy buffer from the pool, or makes one. Give it back with {@link releaseBuffer}. */
export function takeBuffer(): Uint8Array {
  return pool.pop() ?? new Uint8Array(COPY_BUFFER_SIZE);
}

/**
 * Returns a buffer taken with {@link takeBuffer}; the pool keeps at most
 * {@link MAX_POOLED_BYTES}, the rest is left to the garbage collector so memory comes back
 * after a burst of connections.
 */
export function releaseBuffer(buf: Uint8Array): void {
  if (pool.length < MAX_POOLED && buf.byteLength === COPY_BUFFER_SIZE) pool.push(buf);
}

/** How many bytes of free buffers the pool holds now (for tests). */
export function pooledBytes(): number {
  return pool.length * COPY_BUFFER_SIZE;
}
