import assert from "node:assert/strict";
import { AuthThrottle } from "../../lib/tunnel/server/auth_throttle.ts";

Deno.test("auth throttle: free failures, then doubling delays up to the cap", () => {
  const now = 0;
  const t = new AuthThrottle({ freeFailures: 2, delayMs: 100, maxDelayMs: 350, now: () => now });
  const delays: number[] = [];
  for (let i = 0; i < 6; i++) {
    delays.push(t.delayFor("10.0.0.1"));
    t.failed("10.0.0.1");
  }
  assert.deepEqual(delays, [0, 0, 100, 200, 350, 350]);
  assert.equal(t.delayFor("10.0.0.2"), 0, "another address is not slowed");
  t.succeeded("10.0.0.1");
  assert.equal(t.delayFor("10.0.0.1"), 0, "a success clears it");
});

Deno.test("auth throttle: failures expire with the window; the table is bounded", () => {
  let now = 0;
  const t = new AuthThrottle({
    freeFailures: 1,
    windowMs: 1000,
    maxAddresses: 3,
    now: () => now,
  });
  t.failed("a");
  t.failed("a");
  assert.ok(t.delayFor("a") > 0);
  now = 1001;
  assert.equal(t.delayFor("a"), 0, "expired");
  for (const a of ["b", "c", "d", "e"]) t.failed(a);
  assert.equal(t.size, 3);
  t.failed("e");
  assert.ok(t.delayFor("e") > 0);
  assert.equal(t.delayFor("b"), 0, "the oldest was dropped");
});
