import assert from "node:assert/strict";
import { TargetRules } from "../../lib/net/target_rules.ts";

Deno.test("TargetRules.parse() reads CIDR blocks with optional ports, bracketed IPv6 and *", () => {
  const rules = TargetRules.parse([
    "10.0.0.0/8",
    "127.0.0.1:8080",
    "[::1]:80",
    "[fd00::/8]:1000-2000",
    "*:25",
  ]);
  assert.ok(rules instanceof TargetRules);
  assert.ok(rules.has("10.1.2.3", 443));
  assert.ok(rules.has("127.0.0.1", 8080) && !rules.has("127.0.0.1", 8081));
  assert.ok(rules.has("::1", 80) && !rules.has("::1", 81));
  assert.ok(rules.has("fd12::1", 1500) && !rules.has("fd12::1", 2001));
  assert.ok(rules.has("192.0.2.1", 25) && !rules.has("192.0.2.1", 26));
  assert.ok(!rules.has("11.0.0.1", 80));
  assert.ok(rules.has("::ffff:10.0.0.1", 1), "IPv4-mapped IPv6 matches IPv4 blocks");
});

Deno.test("TargetRules.parse() returns every invalid entry", () => {
  const bad = TargetRules.parse([
    "10.0.0.0/33",
    "::1:80",
    "a.b",
    "1.2.3.4:70000",
    "1.2.3.4:9-8",
    "ok",
  ]);
  assert.deepEqual(bad, {
    invalid: ["10.0.0.0/33", "::1:80", "a.b", "1.2.3.4:70000", "1.2.3.4:9-8", "ok"],
  });
});
