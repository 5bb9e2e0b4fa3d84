import assert from "node:assert/strict";
import { echoOnce, readToEnd } from "../_support/io.ts";
import { scrape } from "../_support/metrics.ts";
import { startOrigin, startServer } from "../_support/origins.ts";
import { freePort } from "../_support/ports.ts";
import { control, startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";
import { startWorkers } from "../_support/workers.ts";

const ACCEPTED = "wmproxy_listener_connections_accepted_total";
const RECEIVED = "wmproxy_listener_received_bytes_total";
const STREAM = "stream.server[0]";

Deno.test("/metrics: a listener removed and added again by reloads counts on from where it was", async () => {
  const dir = await tempDir();
  const backend = startServer();
  const ctl = freePort();
  const port = freePort();
  const http = freePort();
  const base = `http://127.0.0.1:${ctl}`;
  const text = (stream: boolean) =>
    `control = "127.0.0.1:${ctl}"
[[http.server]]
bind_addr = "127.0.0.1:${http}"
[[http.server.location]]
rule = "/"
static_response = "ok"
${
      stream
        ? `[[stream.server]]
bind_addr = "127.0.0.1:${port}"
proxy_url = "tcp://127.0.0.1:${backend.port}"`
        : ""
    }
`;
  const inst = await startInstance(dir.path, text(true));
  try {
    for (let i = 0; i < 3; i++) assert.ok(await echoOnce(port, `first ${i}`));
    const before = await scrape(`${base}/metrics`);
    assert.equal(before.sum(ACCEPTED, { listener: STREAM }), 3);
    const bytes = before.sum(RECEIVED, { listener: STREAM });
    assert.ok(bytes > 0);

    await Deno.writeTextFile(inst.configPath, text(false));
    assert.equal((await control(base, "reload")).status, 200);
    const gone = await scrape(`${base}/metrics`);
    assert.equal(gone.sum(ACCEPTED, { listener: STREAM }), 3);
    assert.equal(
      gone.value("wmproxy_listener_connections_open", {
        listener: STREAM,
        kind: "stream/tcp",
        address: `127.0.0.1:${port}`,
      }) ?? 0,
      0,
    );

    await Deno.writeTextFile(inst.configPath, text(true));
    assert.equal((await control(base, "reload")).status, 200);
    const back = await scrape(`${base}/metrics`);
    assert.equal(back.sum(ACCEPTED, { listener: STREAM }), 3);
    for (let i = 0; i < 2; i++) assert.ok(await echoOnce(port, `again ${i}`));
    const after = await scrape(`${base}/metrics`);
    assert.equal(after.sum(ACCEPTED, { listener: STREAM }), 5);
    assert.ok(after.sum(RECEIVED, { listener: STREAM }) > bytes);
  } finally {
    await inst.kill();
    await backend.close();
    await dir.cleanup();
  }
});

Deno.test("/metrics: a connection closed for a bad PROXY header is counted as refused", async () => {
  const dir = await tempDir();
  const backend = startServer();
  const ctl = freePort();
  const port = freePort();
  const inst = await startInstance(
    dir.path,
    `control = "127.0.0.1:${ctl}"
[[stream.server]]
bind_addr = "127.0.0.1:${port}"
proxy_protocol = true
proxy_url = "tcp://127.0.0.1:${backend.port}"
`,
  );
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n"));
    assert.equal((await readToEnd(conn)).length, 0);
    conn.close();
    const m = await scrape(`http://127.0.0.1:${ctl}/metrics`);
    assert.equal(
      m.value("wmproxy_listener_connections_refused_total", {
        listener: STREAM,
        reason: "proxy_header",
      }),
      1,
    );
  } finally {
    await inst.kill();
    await backend.close();
    await dir.cleanup();
  }
});

Deno.test("/metrics with workers: a worker that dies leaves its counts in the totals", async () => {
  const w = await startWorkers(2);
  try {
    for (let i = 0; i < 10; i++) assert.ok(await echoOnce(w.port, `before ${i}`));
    const before = await scrape(`${w.base}/metrics`);
    assert.equal(before.sum(ACCEPTED, { listener: STREAM }), 10);
    const bytes = before.sum(RECEIVED, { listener: STREAM });
    const took = (await w.workers()).map((x) => x.accepted);
    const victim = took[0] > 0 ? 0 : 1;

    const from = w.inst.lines.length;
    assert.equal((await control(w.base, `test/worker-throw?id=${victim}`)).status, 200);
    await w.inst.waitFor(new RegExp(`worker ${victim} replaced`), from);
    const after = await scrape(`${w.base}/metrics`);
    assert.equal(after.sum(ACCEPTED, { listener: STREAM }), 10);
    assert.equal(after.sum(RECEIVED, { listener: STREAM }), bytes);

    for (let i = 0; i < 4; i++) assert.ok(await echoOnce(w.port, `after ${i}`));
    const more = await scrape(`${w.base}/metrics`);
    assert.equal(more.sum(ACCEPTED, { listener: STREAM }), 14);
  } finally {
    await w.close();
  }
});

Deno.test("/metrics with worker_max_requests: a recycled worker's counts stay in the totals", async () => {
  const dir = await tempDir();
  const backend = startServer();
  const ctl = freePort();
  const port = freePort();
  const base = `http://127.0.0.1:${ctl}`;
  const inst = await startInstance(
    dir.path,
    `control = "127.0.0.1:${ctl}"
workers = 2
worker_max_requests = 8
[[stream.server]]
bind_addr = "127.0.0.1:${port}"
proxy_url = "tcp://127.0.0.1:${backend.port}"
`,
  );
  try {
    let served = 0;
    let resets = 0;
    const t0 = performance.now();
    for (let i = 0; !inst.lines.some((l) => /the replacement accepts/.test(l)); i++) {
      assert.ok(performance.now() - t0 < 20_000, `no worker recycled:\n${inst.log()}`);
      if (await echoOnce(port, `new ${i}`)) served++;
      else resets++;
    }
    await inst.waitFor(/the old one has drained and ended/);
    const m = await scrape(`${base}/metrics`);
    const accepted = m.sum(ACCEPTED, { listener: STREAM });
    assert.ok(
      accepted >= served && accepted <= served + resets,
      `accepted ${accepted}, served ${served}, reset ${resets}`,
    );
    assert.ok(served > 8);
  } finally {
    await inst.kill();
    await backend.close();
    await dir.cleanup();
  }
});

Deno.test("/metrics: a reverse listener counts exactly the bytes a keep-alive client sent and got", async () => {
  const dir = await tempDir();
  const origin = startOrigin("O", () => new Response("x".repeat(3000)));
  const ctl = freePort();
  const http = freePort();
  const inst = await startInstance(
    dir.path,
    `control = "127.0.0.1:${ctl}"
[[http.upstream]]
name = "origin"
server = [{ addr = "127.0.0.1:${origin.port}" }]
[[http.server]]
bind_addr = "127.0.0.1:${http}"
[[http.server.location]]
rule = "/static"
static_response = "hello"
[[http.server.location]]
rule = "/"
proxy_url = "http://origin"
`,
  );
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: http });
    const requests = [
      "GET /static HTTP/1.1\r\nHost: a\r\n\r\n",
      "POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
      "GET /down HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    ];
    let sent = 0;
    for (const r of requests) {
      const bytes = new TextEncoder().encode(r);
      await conn.write(bytes);
      sent += bytes.length;
    }
    let got = 0;
    const buf = new Uint8Array(65536);
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      got += n;
    }
    conn.close();
    assert.ok(got > 6000);
    const m = await scrape(`http://127.0.0.1:${ctl}/metrics`);
    const listener = `http 127.0.0.1:${http}`;
    assert.equal(m.sum(RECEIVED, { listener }), sent);
    assert.equal(m.sum("wmproxy_listener_sent_bytes_total", { listener }), got);
  } finally {
    await inst.kill();
    await origin.close();
    await dir.cleanup();
  }
});
