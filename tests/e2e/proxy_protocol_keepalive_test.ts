// proxy_protocol = true on an http server: the header starts a connection, not a request. The
// connection stays keep-alive after it, and /status counts it once. Also behind HAProxy
// (`mode http`, `send-proxy-v2`): one client connection's requests share one backend connection.
import assert from "node:assert/strict";
import { curl } from "../_support/curl.ts";
import { closeQuietly, readUntil, writeAll } from "../_support/io.ts";
import { freePort, refuses } from "../_support/ports.ts";
import { control, startInstance } from "../_support/process.ts";
import { startHaproxySendProxyV2 } from "../_support/haproxy.ts";
import { tempDir } from "../_support/temp.ts";
import { eventually } from "../_support/wait.ts";

async function accepted(ctl: number): Promise<number> {
  const { body } = await control(`http://127.0.0.1:${ctl}`, "status");
  return (body.listeners as { accepted: number }[])[0].accepted;
}

Deno.test("proxy_protocol on http: keep-alive after the header, each connection counted once (also behind HAProxy send-proxy-v2)", async () => {
  const dir = await tempDir();
  const http = freePort();
  const hap = freePort();
  const ctl = freePort();
  const haproxy = await startHaproxySendProxyV2(dir.path, hap, http);
  const inst = await startInstance(
    dir.path,
    `
control = "127.0.0.1:${ctl}"

[[http.server]]
bind_addr = "127.0.0.1:${http}"
proxy_protocol = true
[[http.server.location]]
rule = "/"
static_response = "we saw {client_ip}"
`,
  );
  try {
    // One header, then three requests on the same connection.
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: http });
    try {
      await writeAll(conn, "PROXY TCP4 10.1.2.3 127.0.0.1 5555 80\r\n");
      for (let i = 0; i < 3; i++) {
        await writeAll(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        const reply = await readUntil(conn, "we saw 10.1.2.3");
        assert.match(reply, /^HTTP\/1\.1 200/, `request ${i + 1}: ${reply}`);
        assert.doesNotMatch(reply, /connection: close/i, `request ${i + 1} keeps the connection`);
      }
    } finally {
      closeQuietly(conn);
    }
    assert.equal(await accepted(ctl), 1, "one connection, counted once");

    // HAProxy: five requests over one client connection (curl reuses it) -> one backend one.
    await eventually(async () => !(await refuses(hap)), 10_000, "HAProxy to listen");
    const urls = Array.from({ length: 5 }, () => `http://127.0.0.1:${hap}/`);
    const r = await curl(["--interface", "127.0.0.2", ...urls]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "we saw 127.0.0.2".repeat(5));
    assert.equal(await accepted(ctl), 2, "HAProxy opened one backend connection for five requests");
  } finally {
    await inst.kill();
    await haproxy.stop();
    await dir.cleanup();
  }
});
