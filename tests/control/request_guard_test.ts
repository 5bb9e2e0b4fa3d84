import assert from "node:assert/strict";
import { crossSiteProblem } from "../../lib/control/request_guard.ts";

const LOOPBACK: Deno.NetAddr = { transport: "tcp", hostname: "127.0.0.1", port: 8837 };
const WILDCARD: Deno.NetAddr = { transport: "tcp", hostname: "0.0.0.0", port: 8837 };

function check(bound: Deno.NetAddr, fields: Record<string, string>): string | null {
  return crossSiteProblem(new Headers(fields), bound);
}

Deno.test("crossSiteProblem() lets curl-style requests to the control address through", () => {
  for (const host of ["127.0.0.1:8837", "localhost:8837", "LOCALHOST:8837", "[::1]:8837"]) {
    assert.equal(check(LOOPBACK, { host }), null, host);
  }
  assert.equal(check(LOOPBACK, {}), null, "no Host at all: not a browser");
  assert.equal(check(LOOPBACK, { host: "127.0.0.1:8837", "sec-fetch-site": "none" }), null);
  assert.equal(check(WILDCARD, { host: "192.0.2.7:8837" }), null, "an IP literal on 0.0.0.0");
});

Deno.test("crossSiteProblem() refuses another Host, a wrong port, Origin and cross-site fetches", () => {
  for (const host of ["evil.example", "evil.example:8837", "127.0.0.1:80", "127.0.0.1", "a.b:x"]) {
    assert.match(check(LOOPBACK, { host }) ?? "", /is not this control endpoint's address/, host);
  }
  assert.match(check(WILDCARD, { host: "rebound.example:8837" }) ?? "", /is not this control/);
  assert.match(
    check(LOOPBACK, { host: "127.0.0.1:8837", origin: "http://evil.example" }) ?? "",
    /Origin/,
  );
  for (const site of ["cross-site", "same-site"]) {
    assert.match(
      check(LOOPBACK, { host: "127.0.0.1:8837", "sec-fetch-site": site }) ?? "",
      /cross-site/,
      site,
    );
  }
});
