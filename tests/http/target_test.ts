import assert from "node:assert/strict";
import { HttpError } from "../../lib/http/errors.ts";
import { parseAbsoluteTarget, parseAuthorityTarget, targetForm } from "../../lib/http/target.ts";

Deno.test("parseAbsoluteTarget() splits scheme, host, port and origin-form path", () => {
  assert.deepEqual(parseAbsoluteTarget("http://example.com:8080/a/b?c=d"), {
    scheme: "http",
    hostname: "example.com",
    port: 8080,
    authority: "example.com:8080",
    path: "/a/b?c=d",
  });
  assert.deepEqual(parseAbsoluteTarget("HTTP://Example.COM"), {
    scheme: "http",
    hostname: "example.com",
    port: 80,
    authority: "Example.COM",
    path: "/",
  });
  assert.equal(parseAbsoluteTarget("http://h?x=1").path, "/?x=1");
  assert.equal(parseAbsoluteTarget("https://h/").port, 443);
  assert.equal(parseAbsoluteTarget("http://h:/").port, 80);
  assert.equal(parseAbsoluteTarget("http://my_host.local/").hostname, "my_host.local");
});

Deno.test("parseAbsoluteTarget() reads IPv4 and bracketed IPv6 literals", () => {
  const v6 = parseAbsoluteTarget("http://[::1]:8080/x");
  assert.equal(v6.hostname, "::1");
  assert.equal(v6.port, 8080);
  assert.equal(v6.authority, "[::1]:8080");
  assert.equal(parseAbsoluteTarget("http://[2001:DB8::1]/").hostname, "2001:db8::1");
  assert.equal(parseAbsoluteTarget("http://10.0.0.1:1/").hostname, "10.0.0.1");
});

Deno.test("parseAbsoluteTarget() refuses user info, fragments, bad hosts and ports", () => {
  for (
    const bad of [
      "http://user:pw@h/",
      "http://h/#frag",
      "http://h:0/",
      "http://h:65536/",
      "http://h:123456/",
      "http://h:8a/",
      "http://[::1/",
      "http://[zz::1]/",
      "http://256.1.1.1/",
      "http://1.2.3/",
      "http:///x",
      "http:/h/x",
      "http://-h/",
      "http://h..com/",
    ]
  ) {
    assert.throws(
      () => parseAbsoluteTarget(bad),
      (e) => e instanceof HttpError && e.status === 400,
      bad,
    );
  }
});

Deno.test("parseAuthorityTarget() needs a port", () => {
  assert.equal(parseAuthorityTarget("h:443").port, 443);
  assert.equal(parseAuthorityTarget("[::1]:22").hostname, "::1");
  assert.throws(() => parseAuthorityTarget("h"), HttpError);
  assert.throws(() => parseAuthorityTarget("h:0"), HttpError);
});

Deno.test("targetForm() is undefined for targets no method accepts", () => {
  assert.equal(targetForm("GET", ""), undefined);
  assert.equal(targetForm("GET", "?x"), undefined);
  assert.equal(targetForm("OPTIONS", "*"), "asterisk");
  assert.equal(targetForm("CONNECT", "h:1"), "authority");
  assert.equal(targetForm("CONNECT", "h:1/x"), undefined);
});
