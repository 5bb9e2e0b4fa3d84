import assert from "node:assert/strict";
import { curlResponse } from "../_support/curl.ts";
import { rawExchange, statusOf } from "../_support/io.ts";
import { startOrigin } from "../_support/origins.ts";
import { clientOptions, startTunnelClient, startTunnelServer } from "../_support/tunnel.ts";

Deno.test("TunnelServer routes curl on the http front by Host to the client's origin, 502 for an unknown host", async () => {
  const origin = startOrigin("app");
  const tunnel = startTunnelServer();
  const client = await startTunnelClient(clientOptions(tunnel.bindPort, [{
    name: "web",
    mode: "http",
    domains: ["app.test"],
    localAddr: `127.0.0.1:${origin.port}`,
  }]));
  const url = `http://127.0.0.1:${tunnel.httpPort}`;
  try {
    assert.deepEqual(tunnel.server.status().routes, [{ route: "http app.test", sessions: 1 }]);
    const ok = await curlResponse("-H", "Host: app.test", `${url}/hello?x=1`);
    assert.equal(ok.status, 200);
    assert.equal(ok.body, "app /hello");
    assert.equal(origin.seen.at(-1)?.path, "/hello?x=1");
    assert.equal(origin.seen.at(-1)?.headers.get("host"), "app.test");

    const body = "x".repeat(100_000);
    const posted = await curlResponse(
      "-H",
      "Host: APP.test:8080",
      "--data-binary",
      body,
      `${url}/up`,
    );
    assert.equal(posted.status, 200);
    assert.equal(origin.seen.at(-1)?.bodyLength, body.length);

    const missing = await curlResponse("-H", "Host: other.test", `${url}/`);
    assert.equal(missing.status, 502);
    assert.equal(missing.body, "no tunnel client serves other.test\n");

    const noHost = await rawExchange(tunnel.httpPort, "GET / HTTP/1.0\r\n\r\n");
    assert.equal(statusOf(noHost), 400);
  } finally {
    await client.stop(0);
    await tunnel.close();
    await origin.close();
  }
});
