import assert from "node:assert/strict";
import {
  parseLimitReq,
  parseLimitZone,
  parseRate,
  parseSize,
} from "../../lib/reverse/limit_syntax.ts";

Deno.test("parseSize() reads binary k, m and g units", () => {
  assert.deepEqual(
    ["100", "10k", "10m", "1g", "2MB", "x", ""].map(parseSize),
    [100, 10240, 10485760, 1073741824, 2097152, null, null],
  );
});

Deno.test("parseRate() reads bytes or requests per period as amount per second", () => {
  assert.deepEqual(
    ["4m/s", "512k/s", "100/s", "1000r/s", "60r/m", "10r/10s", "1r/100ms"].map(parseRate),
    [4194304, 524288, 100, 1000, 1, 1, 10],
  );
  assert.deepEqual(["4m", "0/s", "fast/s", "1/year"].map(parseRate), [null, null, null, null]);
});

Deno.test("parseLimitZone() and parseLimitReq() read wmproxy's specs, brust and burst alike", () => {
  assert.deepEqual(parseLimitZone("{client_ip} limit=10m rate=1000r/s"), {
    key: "{client_ip}",
    limit: 10485760,
    rate: 1000,
  });
  assert.equal(parseLimitZone("rate=1r/s"), "has no key template such as {client_ip}");
  assert.equal(parseLimitZone("{client_ip} size=1"), 'has an unknown part "size=1"');
  assert.deepEqual(parseLimitReq("zone=limit brust=1"), { zone: "limit", burst: 1 });
  assert.deepEqual(parseLimitReq("zone=limit  burst=7"), { zone: "limit", burst: 7 });
  assert.deepEqual(parseLimitReq("zone=limit"), { zone: "limit", burst: 0 });
  assert.equal(parseLimitReq("burst=2"), "names no zone");
});
