// Behind HAProxy (`mode http`, `send-proxy-v2`) every connection comes from HAProxy's address;
// with `proxy_protocol = true` each request is the client's wherever we use its address: the
// access log, header rules, `limit_req` keys and `ip_hash`. Clients send from 127.0.0.2–9
// (curl --interface), so without the header they would all be 127.0.0.1 in one bucket and on
// one upstream server.
import assert from "node:assert/strict";
import { curlResponse } from "../_support/curl.ts";
import { startHaproxySendProxyV2 } from "../_support/haproxy.ts";
import { startOrigin } from "../_support/origins.ts";
import { freePort } from "../_support/ports.ts";
import { startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";
import { eventually } from "../_support/wait.ts";

const CLIENTS = [2, 3, 4, 5, 6, 7, 8, 9].map((n) => `127.0.0.${n}`);

Deno.test("proxy_protocol behind HAProxy: access log, header rules, limit_req keys and ip_hash follow the header's client", async () => {
  const dir = await tempDir();
  const [a, b] = ["A", "B"].map((tag) =>
    startOrigin(tag, (req) => new Response(`${tag} ${req.headers.get("x-real-ip")}`))
  );
  const http = freePort();
  const hap = freePort();
  const haproxy = await startHaproxySendProxyV2(dir.path, hap, http);
  const log = `${dir.path}/access.log`;
  const inst = await startInstance(
    dir.path,
    `
[http]
access_log = "main short"
[http.log_format]
short = "{client_ip} {path} {status}"
[http.log_names]
main = "${log}"
[http.limit_req_zone]
per_client = "{client_ip} limit=1m rate=1r/m"
[[http.upstream]]
name = "pair"
server = [{ addr = "127.0.0.1:${a.port}" }, { addr = "127.0.0.1:${b.port}" }]
method = "ip_hash"

[[http.server]]
bind_addr = "127.0.0.1:${http}"
proxy_protocol = true
headers = ["proxy X-Real-IP {client_ip}", "+ X-Client {client_ip}"]
[[http.server.location]]
rule = "/limited"
limit_req = "zone=per_client burst=0"
static_response = "ok {client_ip}"
[[http.server.location]]
rule = "/"
proxy_pass = "http://pair"
`,
  );
  const get = (client: string, path: string) =>
    curlResponse("--interface", client, `http://127.0.0.1:${hap}${path}`);
  try {
    const servedBy = new Map<string, string>();
    for (const client of CLIENTS) {
      for (let i = 0; i < 3; i++) {
        const r = await get(client, "/");
        assert.equal(r.status, 200);
        assert.equal(r.headers.get("x-client"), client, "response header rule");
        const [tag, realIp] = r.body.split(" ");
        assert.equal(realIp, client, "upstream header rule");
        const first = servedBy.get(client) ?? tag;
        assert.equal(tag, first, `ip_hash keeps ${client} on one server`);
        servedBy.set(client, tag);
      }
    }
    assert.deepEqual(
      new Set(servedBy.values()),
      new Set(["A", "B"]),
      "ip_hash spreads clients over both servers",
    );

    // One token per client: each client's first request passes, its second is refused.
    for (const client of CLIENTS.slice(0, 3)) {
      const first = await get(client, "/limited");
      assert.deepEqual([first.status, first.body], [200, `ok ${client}`]);
      assert.equal((await get(client, "/limited")).status, 503, `${client}'s second request`);
    }

    await eventually(
      async () => {
        const text = await Deno.readTextFile(log).catch(() => "");
        return CLIENTS.every((c) => text.includes(`${c} / 200`)) &&
          text.includes(`${CLIENTS[0]} /limited 503`);
      },
      5000,
      "access log lines naming each client",
    );
    const lines = (await Deno.readTextFile(log)).trim().split("\n");
    assert.ok(lines.every((l) => !l.startsWith("127.0.0.1 ")), "no line names HAProxy");
  } finally {
    await inst.kill();
    await haproxy.stop();
    await a.close();
    await b.close();
    await dir.cleanup();
  }
});
