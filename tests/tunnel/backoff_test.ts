import assert from "node:assert/strict";
import { Backoff } from "../../lib/tunnel/client/_backoff.ts";

Deno.test("backoff: doubles from min to max; a probe after a failed connect stays under its cap", () => {
  const mid = () => 0.5; // no jitter
  const b = new Backoff({ minMs: 1000, maxMs: 30_000 }, mid);
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map(() => b.next()), [
    1000,
    2000,
    4000,
    8000,
    16_000,
    30_000,
    30_000,
  ]);
  const p = new Backoff({ minMs: 1000, maxMs: 30_000 }, mid);
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => p.nextProbe(4000)), [
    1000,
    2000,
    4000,
    4000,
    4000,
    4000,
  ]);
  const high = new Backoff({ minMs: 1000, maxMs: 30_000 }, () => 1);
  for (let i = 0; i < 10; i++) {
    assert.ok(high.nextProbe(4000) <= 4000, "jitter stays within the cap");
  }
  p.reset();
  assert.equal(p.next(), 1000);
});
