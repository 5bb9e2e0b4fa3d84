import assert from "node:assert/strict";
import { decoder, randomBytes } from "../_support/bytes.ts";
import { curl } from "../_support/curl.ts";
import { rawExchange, readToEnd, writeAll } from "../_support/io.ts";
import { startOrigin } from "../_support/origins.ts";
import { tempDir } from "../_support/temp.ts";
import { assertServing, startProxy } from "./http_harness.ts";

const statusOf = (answer: string) => /^HTTP\/1\.1 (\d{3}) /.exec(answer)?.[1];

Deno.test("http proxy survives random bytes and keeps serving", async () => {
  const origin = startOrigin("A");
  const proxy = startProxy();
  try {
    for (let i = 0; i < 5; i++) {
      const answer = await rawExchange(proxy.port, randomBytes(64 * 1024));
      // Random bytes hold a bare LF, an invalid method or no line end at all.
      assert.ok(answer === "" || ["400", "414", "431"].includes(statusOf(answer)!), answer);
      assert.match(answer, /^$|\r\nConnection: close\r\n/);
    }
    await assertServing(proxy, origin);
  } finally {
    await proxy.close();
    await origin.close();
  }
  assert.equal(origin.seen.length, 1);
});

Deno.test("http proxy answers 431 to a ~1 MiB header line from curl and a raw client", async () => {
  const dir = await tempDir();
  const origin = startOrigin("A");
  const proxy = startProxy();
  try {
    // curl refuses to build a request head over 1 MiB, so its line stays just below that.
    await Deno.writeTextFile(`${dir.path}/headers.txt`, `X-Big: ${"a".repeat(1_000_000)}\n`);
    const r = await curl([
      "-w",
      "|%{http_code}",
      "-x",
      proxy.url,
      "-H",
      `@${dir.path}/headers.txt`,
      `http://127.0.0.1:${origin.port}/big`,
    ]);
    assert.match(r.stdout, /^431 Request Header Fields Too Large: .*\|431$/s, r.stderr);
    const raw = await rawExchange(
      proxy.port,
      `GET http://127.0.0.1:${origin.port}/ HTTP/1.1\r\nX-Big: ${"b".repeat(1 << 20)}\r\n\r\n`,
    );
    assert.equal(statusOf(raw), "431");
    await assertServing(proxy, origin);
  } finally {
    await proxy.close();
    await origin.close();
    await dir.cleanup();
  }
  assert.equal(origin.seen.length, 1, "only the good request reached the origin");
});

Deno.test("http proxy answers 414 to a request line over 8 KiB from curl", async () => {
  const origin = startOrigin("A");
  const proxy = startProxy();
  try {
    const r = await curl([
      "-w",
      "|%{http_code}",
      "-x",
      proxy.url,
      `http://127.0.0.1:${origin.port}/${"p".repeat(9000)}`,
    ]);
    assert.match(r.stdout, /\|414$/);
    await assertServing(proxy, origin);
  } finally {
    await proxy.close();
    await origin.close();
  }
});

Deno.test("http proxy answers 431 to more than 100 header fields", async () => {
  const origin = startOrigin("A");
  const proxy = startProxy();
  try {
    const fields = Array.from({ length: 101 }, (_, i) => `X-${i}: v\r\n`).join("");
    const answer = await rawExchange(
      proxy.port,
      `GET http://127.0.0.1:${origin.port}/ HTTP/1.1\r\nHost: x\r\n${fields}\r\n`,
    );
    assert.equal(statusOf(answer), "431");
    await assertServing(proxy, origin);
  } finally {
    await proxy.close();
    await origin.close();
  }
});

Deno.test("http proxy closes a client sending one byte at a time within handshakeTimeout", async () => {
  const origin = startOrigin("A");
  const proxy = startProxy({ handshakeTimeout: 500 });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  try {
    const head = `GET http://127.0.0.1:${origin.port}/slow HTTP/1.1\r\nHost: x\r\n` +
      "X-Pad: " + "a".repeat(200) + "\r\n\r\n";
    const started = performance.now();
    let sent = 0;
    let stop = false;
    const trickle = (async () => {
      for (const ch of head) {
        if (stop) return;
        try {
          await writeAll(conn, ch);
        } catch {
          return; // closed by the proxy
        }
        sent++;
        // The slowness is the behaviour under test, not synchronisation.
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const answer = decoder.decode(await readToEnd(conn));
    const elapsed = performance.now() - started;
    stop = true;
    await trickle;
    assert.ok(answer === "" || statusOf(answer) === "408", answer);
    assert.ok(elapsed >= 450 && elapsed < 3000, `closed after ${elapsed} ms`);
    assert.ok(sent < head.length, "the head never completed");
    await assertServing(proxy, origin);
  } finally {
    conn.close();
    await proxy.close();
    await origin.close();
  }
  assert.equal(origin.seen.length, 1);
});

Deno.test("http proxy closes an idle keep-alive client after idleTimeout", async () => {
  const origin = startOrigin("A");
  const proxy = startProxy({ idleTimeout: 300 });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  try {
    await writeAll(
      conn,
      `GET http://127.0.0.1:${origin.port}/ HTTP/1.1\r\nHost: 127.0.0.1:${origin.port}\r\n\r\n`,
    );
    const started = performance.now();
    const answer = decoder.decode(await readToEnd(conn));
    const elapsed = performance.now() - started;
    assert.match(answer, /^HTTP\/1\.1 200 OK\r\n.*A \/$/s);
    assert.ok(elapsed >= 250 && elapsed < 5000, `closed after ${elapsed} ms`);
  } finally {
    conn.close();
    await proxy.close();
    await origin.close();
  }
});

Deno.test("http proxy answers 400 with Connection: close to malformed heads", async () => {
  const origin = startOrigin("A");
  const proxy = startProxy();
  const target = `http://127.0.0.1:${origin.port}/`;
  try {
    const bad = [
      `GET ${target} HTTP/1.1\r\nHost: x\r\nX-A: one\r\n two\r\n\r\n`, // obs-fold
      `GET ${target} HTTP/1.1\nHost: x\r\n\r\n`, // bare LF
      `GET ${target} HTTP/1.1\r\nHost: x\r\nX A: b\r\n\r\n`, // space in name
      `GET ${target} HTTP/1.1\r\nHost: x\r\nX-A : b\r\n\r\n`, // space before colon
      `GET ${target} HTTP/1.1\r\nHost: x\r\nX-A: \x01\r\n\r\n`, // control char
      `GET ${target} HTTP/1.1\r\n\r\n`, // no Host
      `GET ${target} HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n`, // two Hosts
      `GET  ${target} HTTP/1.1\r\nHost: x\r\n\r\n`, // double space
      `GET ${target} HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 6\r\n\r\nhello`,
    ];
    for (const request of bad) {
      const answer = await rawExchange(proxy.port, request);
      assert.equal(statusOf(answer), "400", `${JSON.stringify(request)} → ${answer}`);
      assert.match(answer, /\r\nConnection: close\r\n/);
    }
    await assertServing(proxy, origin);
  } finally {
    await proxy.close();
    await origin.close();
  }
  assert.equal(origin.seen.length, 1, "no malformed request reached the origin");
});

Deno.test("http proxy answers 400 to a bad target and keeps the connection for the next request", async () => {
  const origin = startOrigin("A");
  const proxy = startProxy();
  const host = `127.0.0.1:${origin.port}`;
  try {
    const answer = await rawExchange(
      proxy.port,
      `GET http://user:pw@${host}/ HTTP/1.1\r\nHost: x\r\n\r\n` +
        `GET http://${host}/next HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
    );
    assert.match(
      answer,
      /^HTTP\/1\.1 400 Bad Request\r\n.*user info.*HTTP\/1\.1 200 OK\r\n.*A \/next$/s,
    );
  } finally {
    await proxy.close();
    await origin.close();
  }
  assert.deepEqual(origin.seen.map((s) => new URL(s.url).pathname), ["/next"]);
});

Deno.test("http proxy answers 400 to Content-Length with Transfer-Encoding (smuggling)", async () => {
  const origin = startOrigin("A");
  const proxy = startProxy();
  const host = `127.0.0.1:${origin.port}`;
  try {
    // A front end going by Content-Length would forward the inner request as part of the body;
    // one going by chunked would see it as a second request. The proxy must do neither.
    const inner = `GET http://${host}/smuggled HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
    const body = `0\r\n\r\n${inner}`;
    for (
      const framing of [
        `Content-Length: ${body.length}\r\nTransfer-Encoding: chunked`,
        `Transfer-Encoding: chunked\r\nContent-Length: ${body.length}`,
        `Content-Length: 4\r\nTransfer-Encoding: chunked`,
        `Transfer-Encoding: chunked\r\nTransfer-Encoding: identity`,
        `Transfer-Encoding: chunked, identity\r\nContent-Length: ${body.length}`,
      ]
    ) {
      const answer = await rawExchange(
        proxy.port,
        `POST http://${host}/front HTTP/1.1\r\nHost: ${host}\r\n${framing}\r\n\r\n${body}`,
      );
      assert.equal(statusOf(answer), "400", answer);
      assert.match(answer, /\r\nConnection: close\r\n/);
      assert.equal(answer.match(/HTTP\/1\.1/g)!.length, 1, "exactly one answer");
    }
    await assertServing(proxy, origin);
  } finally {
    await proxy.close();
    await origin.close();
  }
  assert.deepEqual(origin.seen.map((s) => new URL(s.url).pathname), ["/still-serving"]);
});

Deno.test("http proxy answers 400 to a malformed chunked body and the origin gets no request", async () => {
  const origin = startOrigin("A");
  const proxy = startProxy();
  const host = `127.0.0.1:${origin.port}`;
  try {
    for (
      const body of ["zz\r\nhello\r\n0\r\n\r\n", "5\r\nhelloXX0\r\n\r\n", "5\nhello\r\n0\r\n\r\n"]
    ) {
      const answer = await rawExchange(
        proxy.port,
        `POST http://${host}/c HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\n${body}`,
      );
      assert.equal(statusOf(answer), "400", `${JSON.stringify(body)} → ${answer}`);
    }
    await assertServing(proxy, origin);
  } finally {
    await proxy.close();
    await origin.close();
  }
  assert.deepEqual(origin.seen.map((s) => new URL(s.url).pathname), ["/still-serving"]);
});

Deno.test("http proxy forwards a chunked body exactly and serves the pipelined request after it", async () => {
  const origin = startOrigin(
    "A",
    (req, seen) => new Response(`${new URL(req.url).pathname} ${seen.bodyLength}`),
  );
  const proxy = startProxy();
  const host = `127.0.0.1:${origin.port}`;
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
    try {
      await writeAll(
        conn,
        `POST http://${host}/first HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\n` +
          `3;ext=1\r\nabc\r\n0\r\nX-Trailer: t\r\n\r\n` +
          `GET http://${host}/second HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      );
      const answer = decoder.decode(await readToEnd(conn));
      assert.match(answer, /\/first 3.*\/second 0$/s);
      assert.equal(answer.match(/HTTP\/1\.1 200/g)!.length, 2);
    } finally {
      conn.close();
    }
  } finally {
    await proxy.close();
    await origin.close();
  }
  assert.deepEqual(origin.seen.map((s) => new URL(s.url).pathname), ["/first", "/second"]);
});
