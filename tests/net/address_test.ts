import assert from "node:assert/strict";
import { formatAddress, isIpv4, isIpv6, isLoopback, parseAddress } from "../../lib/net/address.ts";

Deno.test("parseAddress() reads IPv4, bracketed IPv6 and host names with a port", () => {
  assert.deepEqual(parseAddress("127.0.0.1:8080"), { hostname: "127.0.0.1", port: 8080 });
  assert.deepEqual(parseAddress("0.0.0.0:83"), { hostname: "0.0.0.0", port: 83 });
  assert.deepEqual(parseAddress("[::1]:8837"), { hostname: "::1", port: 8837 });
  assert.deepEqual(parseAddress("[2001:db8::1]:443"), { hostname: "2001:db8::1", port: 443 });
  assert.deepEqual(parseAddress("localhost:8080"), { hostname: "localhost", port: 8080 });
  assert.deepEqual(parseAddress("soft.wm-proxy.com:65535"), {
    hostname: "soft.wm-proxy.com",
    port: 65535,
  });
  assert.deepEqual(parseAddress(" 127.0.0.1:80 "), { hostname: "127.0.0.1", port: 80 });
});

Deno.test("parseAddress() accepts port 0 only when allowZero is not false", () => {
  assert.deepEqual(parseAddress("127.0.0.1:0"), { hostname: "127.0.0.1", port: 0 });
  assert.equal(parseAddress("127.0.0.1:0", false), undefined);
  assert.deepEqual(parseAddress("127.0.0.1:1", false), { hostname: "127.0.0.1", port: 1 });
});

Deno.test("parseAddress() refuses ports outside 0..65535", () => {
  assert.equal(parseAddress("1.2.3.4:99999"), undefined);
  assert.equal(parseAddress("1.2.3.4:65536"), undefined);
  assert.equal(parseAddress("1.2.3.4:123456"), undefined);
  assert.equal(parseAddress("1.2.3.4:-1"), undefined);
});

Deno.test("parseAddress() refuses malformed hosts and missing parts", () => {
  const bad = [
    "",
    "127.0.0.1",
    "127.0.0.1:",
    ":8080",
    "256.0.0.1:80",
    "1.2.3:80",
    "1.2.3.4.5:80",
    "::1:80",
    "[::1]",
    "[not-v6]:80",
    "[127.0.0.1]:80",
    "-bad.example:80",
    "under_score.example:80",
    "ho st:80",
    "tcp://127.0.0.1:80",
    "127.0.0.1:80:81",
    "127.0.0.1:http",
  ];
  for (const text of bad) assert.equal(parseAddress(text), undefined, `${text} was accepted`);
});

Deno.test("isIpv4() checks each part is at most 255", () => {
  assert.ok(isIpv4("255.255.255.255"));
  assert.ok(isIpv4("10.0.0.1"));
  assert.ok(!isIpv4("255.255.255.256"));
  assert.ok(!isIpv4("1.2.3"));
  assert.ok(!isIpv4("a.b.c.d"));
});

Deno.test("isIpv6() recognises IPv6 literals without brackets", () => {
  assert.ok(isIpv6("::1"));
  assert.ok(isIpv6("::"));
  assert.ok(isIpv6("fe80::1%eth0"));
  assert.ok(isIpv6("::ffff:127.0.0.1"));
  assert.ok(!isIpv6("127.0.0.1"));
  assert.ok(!isIpv6("localhost"));
  assert.ok(!isIpv6("1:2:3:4:5:6:7:8:9"));
  assert.ok(!isIpv6("g::1"));
});

Deno.test("formatAddress() brackets IPv6 and round-trips through parseAddress()", () => {
  assert.equal(formatAddress({ hostname: "::1", port: 80 }), "[::1]:80");
  assert.equal(formatAddress({ hostname: "127.0.0.1", port: 80 }), "127.0.0.1:80");
  for (const text of ["[::1]:8837", "10.1.2.3:9", "example.com:443"]) {
    assert.equal(formatAddress(parseAddress(text)!), text);
  }
});

Deno.test("isLoopback() accepts 127.0.0.0/8, ::1 and localhost only", () => {
  for (
    const host of ["127.0.0.1", "127.1.2.3", "127.255.255.255", "::1", "localhost", "LOCALHOST"]
  ) {
    assert.ok(isLoopback(host), `${host} should be loopback`);
  }
  for (const host of ["0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "1.127.0.0", "localhost.example"]) {
    assert.ok(!isLoopback(host), `${host} should not be loopback`);
  }
});
