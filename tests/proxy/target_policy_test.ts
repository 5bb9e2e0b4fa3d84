import assert from "node:assert/strict";
import { TargetRules } from "../../lib/net/target_rules.ts";
import { TargetPolicy } from "../../lib/proxy/target_policy.ts";

function rules(...entries: string[]): TargetRules {
  return TargetRules.parse(entries) as TargetRules;
}

const self = (ip: string, port: number) => port === 8837 && (ip === "127.0.0.1" || ip === "::1");

Deno.test("TargetPolicy refuses this process (control endpoint, listeners), also by 0.0.0.0", () => {
  const p = new TargetPolicy({ isSelf: self });
  assert.equal(p.refusal("127.0.0.1", 8837), "this proxy itself");
  assert.equal(p.refusal("0.0.0.0", 8837), "this proxy itself");
  assert.equal(p.refusal("::", 8837), "this proxy itself");
  assert.equal(p.refusal("127.0.0.1", 8080), null, "other loopback services, proxy on loopback");
});

Deno.test("TargetPolicy off loopback refuses loopback, link-local (metadata) and unspecified", () => {
  const p = new TargetPolicy({ isSelf: self, exposed: true });
  for (const ip of ["127.0.0.1", "127.9.9.9", "::1", "169.254.169.254", "fe80::1", "0.0.0.0"]) {
    assert.equal(p.refusal(ip, 80), "a local address", ip);
  }
  assert.equal(p.refusal("192.0.2.10", 80), null);
});

Deno.test("TargetPolicy: target_deny first, then target_allow, then the defaults", () => {
  const p = new TargetPolicy({
    isSelf: self,
    exposed: true,
    allow: rules("127.0.0.1:8080", "169.254.0.0/16"),
    deny: rules("169.254.169.254", "*:25"),
  });
  assert.equal(p.refusal("127.0.0.1", 8080), null);
  assert.equal(p.refusal("169.254.1.1", 80), null);
  assert.equal(p.refusal("169.254.169.254", 80), "denied by target_deny");
  assert.equal(p.refusal("192.0.2.1", 25), "denied by target_deny");
  assert.equal(p.refusal("127.0.0.1", 8081), "a local address");
});
