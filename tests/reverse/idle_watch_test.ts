import assert from "node:assert/strict";
import { curl } from "../_support/curl.ts";
import { writeAll } from "../_support/io.ts";
import { eventually } from "../_support/wait.ts";
import {
  location,
  options,
  proxyTo,
  startRawOrigin,
  startReverse,
  textResponse,
  upstream,
} from "./_harness.ts";

// Idle pooled upstream connections are watched: a byte or an end of stream while idle closes
// them, so no client is ever given a stale answer or a connection the origin already closed.

Deno.test("ReverseProxy closes a pooled connection that sends an unrequested response while idle", async () => {
  const { promise: strayWritten, resolve } = Promise.withResolvers<void>();
  const origin = startRawOrigin((req, conn) => {
    if (req.conn === 0) {
      // 100 ms after answering, a second response nobody asked for.
      setTimeout(() => writeAll(conn, textResponse("stray")).then(resolve, resolve), 100);
    }
    return textResponse(`answer ${req.requestLine}`);
  });
  const p = startReverse(options([location("/", proxyTo(upstream("o", [origin.port])))]));
  try {
    assert.equal((await curl([`${p.url}/1`])).stdout, "answer GET /1 HTTP/1.1");
    await strayWritten;
    await eventually(() => origin.ended() === 1, 2000, "the proxy to drop the connection");
    assert.equal(p.proxy.status().o[`127.0.0.1:${origin.port}`].idle, 0);
    // Each client gets its own answer, on a fresh connection.
    assert.equal((await curl([`${p.url}/2`])).stdout, "answer GET /2 HTTP/1.1");
    assert.equal((await curl([`${p.url}/3`])).stdout, "answer GET /3 HTTP/1.1");
    assert.equal(origin.accepted(), 2);
  } finally {
    await p.close();
    await origin.close();
  }
});

Deno.test("ReverseProxy does not pool a connection whose response came with extra bytes", async () => {
  const origin = startRawOrigin((req) =>
    req.conn === 0
      ? textResponse(`answer ${req.requestLine}`) + textResponse("extra")
      : textResponse(`answer ${req.requestLine}`)
  );
  const p = startReverse(options([location("/", proxyTo(upstream("o", [origin.port])))]));
  try {
    assert.equal((await curl([`${p.url}/1`])).stdout, "answer GET /1 HTTP/1.1");
    await eventually(() => origin.ended() === 1, 2000, "the proxy to drop the connection");
    assert.equal((await curl([`${p.url}/2`])).stdout, "answer GET /2 HTTP/1.1");
    assert.equal(origin.accepted(), 2);
  } finally {
    await p.close();
    await origin.close();
  }
});

Deno.test("ReverseProxy sends a POST on a fresh connection after the origin closed the pooled one", async () => {
  // The origin closes each connection 200 ms after answering (as Node.js does after 5 s).
  const { promise: originClosed, resolve } = Promise.withResolvers<void>();
  const origin = startRawOrigin((req, conn) => {
    setTimeout(() => {
      conn.close();
      resolve();
    }, 200);
    return textResponse(`seen ${req.requestLine} ${req.body.length}`);
  });
  const p = startReverse(options([location("/", proxyTo(upstream("o", [origin.port])))]));
  try {
    assert.equal((await curl([`${p.url}/a`])).stdout, "seen GET /a HTTP/1.1 0");
    await originClosed;
    const r = await curl(["-w", "|%{http_code}", "--data-binary", "payload", `${p.url}/p`]);
    assert.equal(r.stdout, "seen POST /p HTTP/1.1 7|200");
    assert.equal(origin.accepted(), 2);
    assert.equal(origin.requests.filter((q) => q.requestLine.startsWith("POST")).length, 1);
  } finally {
    await p.close();
    await origin.close();
  }
});
