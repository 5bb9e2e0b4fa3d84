import assert from "node:assert/strict";
import { HealthRegistry, ServerHealth } from "../../lib/balancer/health.ts";

const POLICY = { fall_times: 2, fail_timeout: 30 };
const T0 = 1_700_000_000_000;

Deno.test("ServerHealth starts up", () => {
  const h = new ServerHealth();
  assert.equal(h.isUp(T0), true);
  assert.deepEqual(h.toJSON(), { up: true, fails: 0, down_until: null, failures: 0 });
});

Deno.test("ServerHealth goes down after fall_times failures in a row", () => {
  const h = new ServerHealth();
  h.recordFailure(POLICY, T0);
  assert.equal(h.isUp(T0), true, "one failure of two is not enough");
  h.recordFailure(POLICY, T0 + 10);
  assert.equal(h.isUp(T0 + 10), false);
});

Deno.test("ServerHealth stays down for exactly fail_timeout seconds", () => {
  const h = new ServerHealth();
  h.recordFailure(POLICY, T0);
  h.recordFailure(POLICY, T0);
  assert.equal(h.isUp(T0 + 29_999), false);
  assert.equal(h.isUp(T0 + 30_000), true);
  assert.equal(h.isUp(T0 + 60_000), true);
});

Deno.test("ServerHealth with fall_times 1 goes down on the first failure", () => {
  const h = new ServerHealth();
  h.recordFailure({ fall_times: 1, fail_timeout: 5 }, T0);
  assert.equal(h.isUp(T0 + 4_999), false);
  assert.equal(h.isUp(T0 + 5_000), true);
});

Deno.test("ServerHealth forgets a failure streak after a success", () => {
  const h = new ServerHealth();
  h.recordFailure(POLICY, T0);
  h.recordSuccess();
  h.recordFailure(POLICY, T0 + 1);
  assert.equal(h.isUp(T0 + 1), true, "two failures with a success between are not a streak");
  h.recordFailure(POLICY, T0 + 2);
  assert.equal(h.isUp(T0 + 2), false);
});

Deno.test("ServerHealth is up again at once after a success while down", () => {
  const h = new ServerHealth();
  h.recordFailure(POLICY, T0);
  h.recordFailure(POLICY, T0);
  assert.equal(h.isUp(T0 + 1), false);
  h.recordSuccess();
  assert.equal(h.isUp(T0 + 1), true);
});

Deno.test("ServerHealth needs a whole new streak after fail_timeout has passed", () => {
  const h = new ServerHealth();
  h.recordFailure(POLICY, T0);
  h.recordFailure(POLICY, T0);
  const later = T0 + 30_000;
  assert.equal(h.isUp(later), true);
  h.recordFailure(POLICY, later);
  assert.equal(h.isUp(later), true, "one failure after the timeout is not a new streak");
  h.recordFailure(POLICY, later + 1);
  assert.equal(h.isUp(later + 1), false);
  assert.equal(h.isUp(later + 1 + 30_000), true);
});

Deno.test("ServerHealth.toJSON() reports the down time and counts every failure", () => {
  const h = new ServerHealth();
  const now = Date.now();
  const policy = { fall_times: 2, fail_timeout: 3600 };
  h.recordFailure(policy, now);
  assert.deepEqual(h.toJSON(), { up: true, fails: 1, down_until: null, failures: 1 });
  h.recordFailure(policy, now);
  assert.deepEqual(h.toJSON(), {
    up: false,
    fails: 0,
    down_until: new Date(now + 3_600_000).toISOString(),
    failures: 2,
  });
  h.recordSuccess();
  assert.deepEqual(h.toJSON(), { up: true, fails: 0, down_until: null, failures: 2 });
});

Deno.test("HealthRegistry.get() returns one record per address", () => {
  const reg = new HealthRegistry();
  const a = reg.get("127.0.0.1:7000");
  assert.equal(reg.get("127.0.0.1:7000"), a);
  assert.notEqual(reg.get("127.0.0.1:7001"), a);
});

Deno.test("HealthRegistry.retain() keeps the state of kept addresses and drops the rest", () => {
  const reg = new HealthRegistry();
  const kept = reg.get("127.0.0.1:7000");
  const dropped = reg.get("127.0.0.1:7001");
  for (const h of [kept, dropped]) {
    h.recordFailure(POLICY, T0);
    h.recordFailure(POLICY, T0);
  }
  reg.retain(["127.0.0.1:7000", "127.0.0.1:7999"]);
  assert.equal(reg.get("127.0.0.1:7000"), kept);
  assert.equal(reg.get("127.0.0.1:7000").isUp(T0), false, "a kept address stays down");
  const fresh = reg.get("127.0.0.1:7001");
  assert.notEqual(fresh, dropped);
  assert.equal(fresh.isUp(T0), true, "a dropped address starts over");
});

Deno.test("HealthRegistry.retain() of nothing forgets everything", () => {
  const reg = new HealthRegistry();
  const a = reg.get("127.0.0.1:7000");
  reg.retain([]);
  assert.notEqual(reg.get("127.0.0.1:7000"), a);
});
