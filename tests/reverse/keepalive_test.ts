import assert from "node:assert/strict";
import { decoder } from "../_support/bytes.ts";
import { curl } from "../_support/curl.ts";
import { readToEnd, writeAll } from "../_support/io.ts";
import { startOrigin } from "../_support/origins.ts";
import { eventually } from "../_support/wait.ts";
import {
  location,
  options,
  proxyTo,
  type RawOrigin,
  RawReader,
  startRawOrigin,
  startReverse,
  textResponse,
  timeouts,
  upstream,
} from "./_harness.ts";

// Keep-alive on both sides: client connections, the upstream pool, stale pooled connections.

Deno.test("ReverseProxy keeps one client and one upstream connection for several requests", async () => {
  const origin = startOrigin("O");
  const p = startReverse(options([location("/", proxyTo(upstream("o", [origin.port])))]));
  try {
    const urls = ["/1", "/2", "/3", "/4", "/5"].map((u) => `${p.url}${u}`);
    const r = await curl(urls.flatMap((u) => ["-w", "\n", u]));
    assert.equal(r.stdout, "O /1\nO /2\nO /3\nO /4\nO /5\n");
    assert.equal(p.accepted(), 1, "curl reused its connection");
    assert.equal(origin.seen.length, 5);
    assert.equal(origin.connections(), 1, "one upstream connection served all five");
    // A second client reuses the pooled upstream connection too.
    assert.equal((await curl([`${p.url}/6`])).stdout, "O /6");
    assert.equal(p.accepted(), 2);
    assert.equal(origin.connections(), 1);
    const status = p.proxy.status().o[`127.0.0.1:${origin.port}`];
    assert.equal(status.idle, 1);
    assert.equal(status.active_requests, 0);
  } finally {
    await p.close();
    await origin.close();
  }
});

/**
 * A raw origin that answers the first request on each connection and closes the connection on
 * reading the second, without a byte of answer: a keep-alive close racing the next request,
 * which the idle watch cannot see coming.
 */
function startClosingOrigin(): RawOrigin {
  const served = new Set<number>();
  return startRawOrigin((req) => {
    if (served.has(req.conn)) return null;
    served.add(req.conn);
    return textResponse(`seen ${req.requestLine}`);
  });
}

Deno.test("ReverseProxy resends an idempotent request once when a pooled connection closes on it", async () => {
  const origin = startClosingOrigin();
  const p = startReverse(options([location("/", proxyTo(upstream("o", [origin.port])))]));
  try {
    assert.equal((await curl([`${p.url}/a`])).stdout, "seen GET /a HTTP/1.1");
    assert.equal(origin.accepted(), 1);
    const r = await curl(["-i", `${p.url}/b`]);
    assert.match(r.stdout, /^HTTP\/1\.1 200 /, "no error reaches the client");
    assert.match(r.stdout, /seen GET \/b HTTP\/1\.1$/);
    assert.equal(origin.accepted(), 2, "sent again on a fresh connection");
    assert.deepEqual(
      origin.requests.filter((q) => q.requestLine.startsWith("GET /b")).map((q) => q.conn),
      [0, 1],
    );
    // A PUT with its body in the first write is idempotent and can be resent too.
    const put = await curl(["-X", "PUT", "--data-binary", "payload", `${p.url}/c`]);
    assert.equal(put.stdout, "seen PUT /c HTTP/1.1");
    assert.equal(origin.requests.at(-1)!.body.length, 7);
    assert.equal(origin.accepted(), 3);
  } finally {
    await p.close();
    await origin.close();
  }
});

Deno.test("ReverseProxy does not resend a POST when a pooled connection closes on it", async () => {
  const origin = startClosingOrigin();
  const p = startReverse(options([location("/", proxyTo(upstream("o", [origin.port])))]));
  try {
    assert.equal((await curl([`${p.url}/a`])).stdout, "seen GET /a HTTP/1.1");
    const r = await curl(["-o", "/dev/null", "-w", "%{http_code}", "-d", "x=1", `${p.url}/p`]);
    assert.equal(r.stdout, "502");
    assert.equal(origin.accepted(), 1, "a non-idempotent request is never sent twice");
    // The next request works again (the closed connection is gone).
    assert.equal((await curl([`${p.url}/n`])).stdout, "seen GET /n HTTP/1.1");
  } finally {
    await p.close();
    await origin.close();
  }
});

Deno.test("ReverseProxy closes idle pooled connections after keepaliveTimeoutMs and caps the pool", async () => {
  // The origin answers once all three requests are in, so they need three connections.
  const { promise: allIn, resolve } = Promise.withResolvers<void>();
  const origin = startRawOrigin(async (req) => {
    if (origin.requests.length === 3) resolve();
    await allIn;
    return textResponse(`ok ${req.requestLine}`);
  });
  const up = upstream("o", [origin.port], { keepalive: 1, keepaliveTimeoutMs: 300 });
  const p = startReverse(options([location("/", proxyTo(up))]));
  try {
    // Three requests at once need three upstream connections; only one stays pooled.
    const all = await Promise.all([1, 2, 3].map((i) => curl([`${p.url}/${i}`])));
    assert.deepEqual(all.map((r) => r.stdout).sort(), [
      "ok GET /1 HTTP/1.1",
      "ok GET /2 HTTP/1.1",
      "ok GET /3 HTTP/1.1",
    ]);
    assert.equal(origin.accepted(), 3);
    await eventually(() => origin.ended() === 2, 5000, "two connections over the cap to close");
    assert.equal(p.proxy.status().o[`127.0.0.1:${origin.port}`].idle, 1);
    await eventually(() => origin.ended() === 3, 5000, "the idle connection to time out");
    assert.equal(p.proxy.status().o[`127.0.0.1:${origin.port}`].idle, 0);
  } finally {
    await p.close();
    await origin.close();
  }
});

Deno.test("ReverseProxy closes a client connection idle for clientKeepAlive", async () => {
  const origin = startOrigin("O");
  const t = timeouts({ clientKeepAlive: 300 });
  const p = startReverse(options(
    [location("/", proxyTo(upstream("o", [origin.port])), { timeouts: t })],
    { timeouts: t },
  ));
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: p.port });
  try {
    await writeAll(conn, "GET /k HTTP/1.1\r\nHost: a\r\n\r\n");
    const started = Date.now();
    const all = decoder.decode(await readToEnd(conn));
    assert.match(all, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nO \/k$/);
    assert.ok(Date.now() - started >= 250, "closed only after the keep-alive timeout");
  } finally {
    conn.close();
    await p.close();
    await origin.close();
  }
});

Deno.test("ReverseProxy answers pipelined requests in order", async () => {
  const origin = startOrigin("O");
  const p = startReverse(options([location("/", proxyTo(upstream("o", [origin.port])))]));
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: p.port });
  try {
    await writeAll(
      conn,
      "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc" +
        "GET /3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    );
    const all = decoder.decode(await readToEnd(conn));
    const bodies = all.split("HTTP/1.1 200 OK").slice(1).map((r) => r.split("\r\n\r\n")[1]);
    assert.deepEqual(bodies, ["O /1", "O /2", "O /3"]);
    assert.equal(origin.seen[1].bodyLength, 3);
  } finally {
    conn.close();
    await p.close();
    await origin.close();
  }
});

Deno.test("ReverseProxy keeps HTTP/1.0 clients only when they ask, saying so", async () => {
  const origin = startOrigin("O");
  const p = startReverse(options([location("/", proxyTo(upstream("o", [origin.port])))]));
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: p.port });
  try {
    const reader = new RawReader(conn);
    await writeAll(conn, "GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    const head = await reader.readHead();
    assert.match(head!, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(head!, /\r\nConnection: keep-alive/i);
    const length = Number(/content-length: (\d+)/i.exec(head!)![1]);
    assert.equal(decoder.decode(await reader.readExactly(length)), "O /a");
    await writeAll(conn, "GET /b HTTP/1.0\r\n\r\n");
    const rest = decoder.decode(await readToEnd(conn));
    assert.match(rest, /\r\nConnection: close\r\n(?:[\s\S]*\r\n)?\r\nO \/b$/i);
    // Upstream, HTTP/1.1 with a Host (the upstream's name for a client that sent none).
    assert.equal(origin.seen[0].headers.get("host"), "o");
  } finally {
    conn.close();
    await p.close();
    await origin.close();
  }
});
