import assert from "node:assert/strict";
import { socatUdpArgv } from "../servers/socat.ts";
import { wmproxyUdpConfig } from "../servers/wmproxy.ts";

const ROUTE = { listenPort: 4000, upstreamPort: 5000 };

Deno.test("socatUdpArgv() forks a child per client and idles out after 60 s", () => {
  assert.deepEqual(socatUdpArgv(ROUTE), [
    "socat",
    "-T",
    "60",
    "UDP4-LISTEN:4000,bind=127.0.0.1,reuseaddr,fork",
    "UDP4:127.0.0.1:5000",
  ]);
});

Deno.test("wmproxyUdpConfig() writes a udp [[stream.server]] per route", () => {
  assert.equal(
    wmproxyUdpConfig([ROUTE]),
    `[[stream.server]]
bind_addr = "127.0.0.1:4000"
bind_mode = "udp"
proxy_url = "udp://127.0.0.1:5000"
timeout = "60s"
`,
  );
});
