import assert from "node:assert/strict";
import {
  COPY_BUFFER_SIZE,
  MAX_POOLED_BYTES,
  pooledBytes,
  releaseBuffer,
  takeBuffer,
} from "../../lib/net/buffer_pool.ts";
import { AdaptiveBuffer, SMALL_READ_SIZE } from "../../lib/net/read_buffer.ts";

Deno.test("AdaptiveBuffer waits small, grows when a read fills it, shrinks on a short read", () => {
  const b = new AdaptiveBuffer();
  assert.equal(b.current.length, SMALL_READ_SIZE);
  b.update(10);
  assert.equal(b.current.length, SMALL_READ_SIZE, "a short read keeps the small buffer");
  b.update(SMALL_READ_SIZE);
  assert.equal(b.current.length, COPY_BUFFER_SIZE, "a full small read borrows a copy buffer");
  b.update(COPY_BUFFER_SIZE / 2);
  assert.equal(b.current.length, COPY_BUFFER_SIZE, "half a copy buffer keeps it");
  const big = b.current;
  b.update(COPY_BUFFER_SIZE / 4 - 1);
  assert.equal(b.current.length, SMALL_READ_SIZE, "under a quarter gives it back");
  const again = takeBuffer();
  assert.equal(again, big, "the copy buffer went back to the pool");
  releaseBuffer(again);
  b.update(SMALL_READ_SIZE);
  b.release();
  assert.equal(b.current.length, SMALL_READ_SIZE, "release starts small again");
});

Deno.test("AdaptiveBuffer without a small buffer holds a pooled one only between reads with bytes", () => {
  const b = new AdaptiveBuffer({ small: false });
  const lent = b.current;
  assert.equal(lent.length, COPY_BUFFER_SIZE, "asked for, it takes a copy buffer");
  assert.equal(b.current, lent, "and keeps it until the read is recorded");
  b.update(COPY_BUFFER_SIZE / 2);
  assert.equal(b.current, lent, "a large read keeps it");
  b.update(10);
  const again = takeBuffer();
  assert.equal(again, lent, "a small read gave it back to the pool");
  releaseBuffer(again);
  assert.equal(b.current.length, COPY_BUFFER_SIZE, "the next read takes one again");
  b.release();
});

Deno.test("the buffer pool keeps at most 16 MiB of free buffers", () => {
  const taken = Array.from({ length: 400 }, () => takeBuffer());
  taken.forEach(releaseBuffer);
  assert.equal(pooledBytes(), MAX_POOLED_BYTES);
  assert.equal(MAX_POOLED_BYTES, 16 * 1024 * 1024);
});
