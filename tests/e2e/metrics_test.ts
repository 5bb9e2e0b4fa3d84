import assert from "node:assert/strict";
import { decoder, encoder } from "../_support/bytes.ts";
import { status } from "../_support/curl.ts";
import { scrape } from "../_support/metrics.ts";
import { startOrigin } from "../_support/origins.ts";
import { freePort, freeUdpPort } from "../_support/ports.ts";
import { control, startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";
import { startUdpEcho, UdpClient } from "../_support/udp.ts";
import { startWorkers } from "../_support/workers.ts";

function config(o: {
  ctl: number;
  metrics: number;
  proxy: number;
  http: number;
  udp: number;
  origin: number;
  dead: number;
  echo: number;
  token?: string;
  metricsHost?: string;
}): string {
  return `
control = "127.0.0.1:${o.ctl}"
metrics_addr = "${o.metricsHost ?? "127.0.0.1"}:${o.metrics}"
${o.token ? `control_token = "${o.token}"` : ""}
[proxy]
bind_addr = "127.0.0.1:${o.proxy}"
target_allow = "127.0.0.1:${o.origin}"
[http.limit_req_zone]
one = "{client_ip} limit=1m rate=1r/m"
[[http.upstream]]
name = "origin"
server = [{ addr = "127.0.0.1:${o.origin}" }]
[[http.upstream]]
name = "dead"
server = [{ addr = "127.0.0.1:${o.dead}" }]
[[http.server]]
bind_addr = "127.0.0.1:${o.http}"
[[http.server.location]]
rule = "/limited"
limit_req = "zone=one burst=0"
proxy_url = "http://origin"
[[http.server.location]]
rule = "/dead"
proxy_url = "http://dead"
[[http.server.location]]
rule = "/denied"
deny_ip = "127.0.0.1"
proxy_url = "http://origin"
[[http.server.location]]
rule = "/"
proxy_url = "http://origin"
[[stream.upstream]]
name = "echo"
bind = "udp"
server = [{ addr = "127.0.0.1:${o.echo}" }]
[[stream.server]]
bind_addr = "127.0.0.1:${o.udp}"
bind_mode = "udp"
up_name = "echo"
`;
}

Deno.test("/metrics: promtool accepts it; requests, bytes, limit_req, upstream failures, UDP and reloads are counted", async () => {
  const dir = await tempDir();
  const origin = startOrigin("O");
  const echo = startUdpEcho();
  const ports = {
    ctl: freePort(),
    metrics: freePort(),
    proxy: freePort(),
    http: freePort(),
    udp: freeUdpPort(),
    origin: origin.port,
    dead: freePort(),
    echo: echo.port,
  };
  const inst = await startInstance(dir.path, config(ports));
  const base = `http://127.0.0.1:${ports.ctl}`;
  const http = `http 127.0.0.1:${ports.http}`;
  try {
    assert.equal(await status(`http://127.0.0.1:${ports.http}/a`), 200);
    assert.equal(await status(`http://127.0.0.1:${ports.http}/b`, "-X", "POST", "-d", "x"), 200);
    assert.equal(await status(`http://127.0.0.1:${ports.http}/limited`), 200);
    assert.equal(await status(`http://127.0.0.1:${ports.http}/limited`), 503);
    assert.equal(await status(`http://127.0.0.1:${ports.http}/dead`), 502);
    assert.equal(await status(`http://127.0.0.1:${ports.http}/denied`), 403);
    assert.equal(
      await status(`http://127.0.0.1:${ports.origin}/via-proxy`, "-x", `127.0.0.1:${ports.proxy}`),
      200,
    );
    const client = new UdpClient();
    const reply = await client.ask(ports.udp, encoder.encode("ping"));
    assert.equal(decoder.decode(reply), "ping");
    client.close();
    assert.equal((await control(base, "reload")).status, 200);
    await Deno.writeTextFile(inst.configPath, "this is = = not toml");
    assert.equal((await control(base, "reload")).status, 400);

    const m = await scrape(`${base}/metrics`);
    const req = "wmproxy_http_request_duration_seconds_count";
    assert.equal(
      m.value(req, { listener: http, proxy: "reverse", method: "GET", status: "2xx" }),
      2,
    );
    assert.equal(
      m.value(req, { listener: http, proxy: "reverse", method: "POST", status: "2xx" }),
      1,
    );
    assert.equal(
      m.value(req, { listener: http, proxy: "reverse", method: "GET", status: "5xx" }),
      2,
    );
    assert.equal(
      m.value(req, { listener: "proxy", proxy: "forward", method: "GET", status: "2xx" }),
      1,
    );
    assert.equal(
      m.value("wmproxy_http_request_duration_seconds_bucket", {
        listener: http,
        proxy: "reverse",
        method: "GET",
        status: "2xx",
        le: "+Inf",
      }),
      2,
    );
    assert.equal(m.value("wmproxy_limit_req_rejected_total", { listener: http, zone: "one" }), 1);
    const refused = "wmproxy_listener_connections_refused_total";
    assert.equal(m.value(refused, { listener: http, reason: "access" }), 1);
    assert.equal(
      m.value(req, { listener: http, proxy: "reverse", method: "GET", status: "4xx" }),
      1,
    );
    assert.equal(
      m.value("wmproxy_upstream_connect_failures_total", {
        upstream: "dead",
        server: `127.0.0.1:${ports.dead}`,
      }),
      1,
    );
    assert.equal(
      m.value("wmproxy_upstream_response_seconds_count", {
        upstream: "origin",
        server: `127.0.0.1:${ports.origin}`,
      }),
      3,
    );
    assert.equal(
      m.sum("wmproxy_listener_connections_accepted_total", { listener: http }),
      6,
    );
    assert.ok(m.sum("wmproxy_listener_received_bytes_total", { listener: http }) > 5 * 40);
    assert.ok(m.sum("wmproxy_listener_sent_bytes_total", { listener: "proxy" }) > 100);
    assert.equal(m.value("wmproxy_udp_sessions_total", { listener: "stream.server[0]" }), 1);
    assert.equal(m.value("wmproxy_udp_received_bytes_total", { listener: "stream.server[0]" }), 4);
    assert.equal(m.value("wmproxy_udp_sent_bytes_total", { listener: "stream.server[0]" }), 4);
    assert.equal(m.value("wmproxy_reloads_total", { result: "ok" }), 1);
    assert.equal(m.value("wmproxy_reloads_total", { result: "failed" }), 1);
    assert.equal(m.value("wmproxy_config_generation"), 2);
    assert.ok((m.value("process_resident_memory_bytes") ?? 0) > 10_000_000);
    assert.equal(
      m.value("wmproxy_upstream_server_up", {
        listener: http,
        upstream: "origin",
        server: `127.0.0.1:${ports.origin}`,
      }),
      1,
    );

    // metrics_addr serves the same text, and only /metrics.
    const other = await scrape(`http://127.0.0.1:${ports.metrics}/metrics`);
    assert.equal(other.value("wmproxy_reloads_total", { result: "ok" }), 1);
    const res = await fetch(`http://127.0.0.1:${ports.metrics}/status`);
    await res.body?.cancel();
    assert.equal(res.status, 404);
  } finally {
    await inst.kill();
    await origin.close();
    echo.close();
    await dir.cleanup();
  }
});

Deno.test("metrics_addr: off loopback it needs control_token, and then every scrape carries it", async () => {
  const dir = await tempDir();
  const ports = {
    ctl: freePort(),
    metrics: freePort("0.0.0.0"),
    proxy: freePort(),
    http: freePort(),
    udp: freeUdpPort(),
    origin: freePort(),
    dead: freePort(),
    echo: freeUdpPort(),
  };
  try {
    const file = `${dir.path}/open.toml`;
    await Deno.writeTextFile(file, config({ ...ports, metricsHost: "0.0.0.0" }));
    const main = new URL("../../main.ts", import.meta.url).pathname;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", main, "check", "-c", file],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const said = decoder.decode(out.stdout) + decoder.decode(out.stderr);
    assert.notEqual(out.code, 0, said);
    assert.match(said, /metrics_addr.*not a loopback address and control_token is not set/);

    const inst = await startInstance(
      dir.path,
      config({ ...ports, metricsHost: "0.0.0.0", token: "s3cret" }),
    );
    try {
      const url = `http://127.0.0.1:${ports.metrics}/metrics`;
      const bare = await fetch(url);
      await bare.body?.cancel();
      assert.equal(bare.status, 401);
      const wrong = await fetch(url, { headers: { authorization: "Bearer nope" } });
      await wrong.body?.cancel();
      assert.equal(wrong.status, 401);
      const m = await scrape(url, "s3cret");
      assert.equal(m.value("wmproxy_config_generation"), 1);
      // A scraper may name the host: with a token the Host check does not apply.
      const named = await fetch(url, {
        headers: { authorization: "Bearer s3cret", host: `metrics.example:${ports.metrics}` },
      });
      await named.body?.cancel();
      assert.equal(named.status, 200);
    } finally {
      await inst.kill();
    }
  } finally {
    await dir.cleanup();
  }
});

Deno.test("/metrics with workers = 2: requests and limit_req rejections are summed over the workers", async () => {
  const port = freePort();
  const root = await Deno.makeTempDir();
  await Deno.writeTextFile(`${root}/a.txt`, "ok");
  const w = await startWorkers(
    2,
    `[http.limit_req_zone]
one = "{client_ip} limit=1m rate=1r/m"
[[http.server]]
bind_addr = "127.0.0.1:${port}"
root = "${root}"
[[http.server.location]]
rule = "/"
limit_req = "zone=one burst=4"
file_server = {}
`,
  );
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/a.txt`, {
        headers: { connection: "close" },
      });
      await res.body?.cancel();
      statuses.push(res.status);
    }
    const took = (await w.workers()).map((x) => x.accepted);
    assert.ok(took.every((n) => n > 0), `one worker served none: ${JSON.stringify(took)}`);
    const m = await scrape(`${w.base}/metrics`);
    const listener = `http 127.0.0.1:${port}`;
    const req = "wmproxy_http_request_duration_seconds_count";
    assert.equal(m.value("wmproxy_workers"), 2);
    assert.equal(m.sum(req, { listener, status: "2xx" }), 5);
    assert.equal(m.sum(req, { listener, status: "5xx" }), 35);
    assert.equal(m.value("wmproxy_limit_req_rejected_total", { listener, zone: "one" }), 35);
    assert.equal(m.sum("wmproxy_listener_connections_accepted_total", { listener }), 40);
    assert.ok(m.sum("wmproxy_listener_sent_bytes_total", { listener }) > 40 * 50);
  } finally {
    await w.close();
    await Deno.remove(root, { recursive: true });
  }
});
