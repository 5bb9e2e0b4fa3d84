import assert from "node:assert/strict";
import { parseWrkOutput, wrkRequestScript } from "../lib/wrk.ts";

const REPORT = `Running 2s test @ http://127.0.0.1:18080/
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   252.76us  172.44us   4.52ms   89.57%
    Req/Sec   130.30k    16.87k  144.69k    90.00%
  Latency Distribution
     50%  176.00us
     75%  326.00us
     90%  429.00us
     99%    1.21ms
  259185 requests in 2.00s, 37.08MB read
  Socket errors: connect 0, read 3, write 1, timeout 2
  Non-2xx or 3xx responses: 7
Requests/sec: 129425.41
Transfer/sec:     18.51MB
`;

Deno.test("parseWrkOutput() reads rps, requests and percentiles in milliseconds", () => {
  const result = parseWrkOutput(REPORT);
  assert.equal(result.rps, 129425.41);
  assert.equal(result.requests, 259185);
  assert.deepEqual(result.latencyMs, { 50: 0.176, 75: 0.326, 90: 0.429, 99: 1.21 });
});

Deno.test("parseWrkOutput() adds up socket errors and counts non-2xx answers", () => {
  const result = parseWrkOutput(REPORT);
  assert.equal(result.socketErrors, 6);
  assert.deepEqual(result.socketErrorsByKind, { connect: 0, read: 3, write: 1, timeout: 2 });
  assert.equal(result.non2xx, 7);
});

Deno.test("parseWrkOutput() reports no socket errors of any kind when wrk lists none", () => {
  const clean = REPORT.replace(/^\s*Socket errors:.*\n/m, "");
  assert.deepEqual(parseWrkOutput(clean).socketErrorsByKind, {
    connect: 0,
    read: 0,
    write: 0,
    timeout: 0,
  });
});

Deno.test("wrkRequestScript() sets an absolute-form target and the Host header", () => {
  assert.equal(
    wrkRequestScript({ path: "http://127.0.0.1:8080/", host: "127.0.0.1:8080" }),
    `wrk.path = "http://127.0.0.1:8080/"\nwrk.headers["Host"] = "127.0.0.1:8080"\n`,
  );
  assert.equal(wrkRequestScript({ path: 'a"b\\' }), `wrk.path = "a\\"b\\\\"\n`);
  assert.throws(() => wrkRequestScript({ host: "a\r\nX: y" }), /control character/);
});

Deno.test("parseWrkOutput() throws when Requests/sec is missing", () => {
  assert.throws(() => parseWrkOutput("unable to connect to 127.0.0.1:1 Connection refused"));
});
