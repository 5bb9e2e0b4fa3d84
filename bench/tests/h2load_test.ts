import assert from "node:assert/strict";
import { parseH2loadOutput } from "../lib/h2load.ts";

const SAMPLE = `starting benchmark...
spawning thread #0: 10 total client(s). 20000 total requests
TLS Protocol: TLSv1.3
Cipher: TLS_AES_256_GCM_SHA384
Server Temp Key: X25519 253 bits
Application protocol: h2
finished in 3.22s, 6215.70 req/s, 534.67KB/s
requests: 20000 total, 20000 started, 20000 done, 19990 succeeded, 7 failed, 3 errored, 0 timeout
status codes: 19980 2xx, 0 3xx, 4 4xx, 6 5xx
traffic: 1.68MB (1761772) total, 488.60KB (500330) headers (space savings 87.92%), 937.50KB (960000) data
                     min         max         mean         sd        +/- sd
time for request:      397us    101.35ms     15.91ms     10.68ms    70.45%
time for connect:     6.26ms     28.69ms     17.16ms      8.03ms    60.00%
`;

Deno.test("parseH2loadOutput reads rps, requests, failures, non-2xx and request times", () => {
  assert.deepEqual(parseH2loadOutput(SAMPLE), {
    rps: 6215.7,
    requests: 19990,
    failed: 10,
    non2xx: 10,
    meanMs: 15.91,
    maxMs: 101.35,
  });
});
