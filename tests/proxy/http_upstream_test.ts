import assert from "node:assert/strict";
import { curl } from "../_support/curl.ts";
import { rawExchange, writeAll } from "../_support/io.ts";
import { startHeadOrigin, startOrigin, startServer } from "../_support/origins.ts";
import { assertServing, startProxy } from "./http_harness.ts";

Deno.test("http proxy reconnects when the origin closed a kept-alive connection", async () => {
  // Answers one request per connection without saying so, as servers with short
  // keep-alive timeouts do.
  const origin = startHeadOrigin((n) => `HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok${n}`, 1);
  const proxy = startProxy();
  try {
    const url = `http://127.0.0.1:${origin.port}`;
    const r = await curl(["-x", proxy.url, `${url}/1`, `${url}/2`, `${url}/3`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "ok0ok0ok0");
    assert.equal(origin.accepted(), 3);
    assert.equal(proxy.accepted(), 1);
  } finally {
    await proxy.close();
    await origin.close();
  }
});

Deno.test("http proxy answers 502 to an origin sending garbage or nothing", async () => {
  const garbage = startHeadOrigin(() => "SSH-2.0-OpenSSH\r\n\r\n");
  const silent = startServer(async (conn) => {
    await conn.read(new Uint8Array(1024));
  });
  const good = startOrigin("A");
  const proxy = startProxy();
  try {
    for (const port of [garbage.port, silent.port]) {
      const r = await curl(["-w", "|%{http_code}", "-x", proxy.url, `http://127.0.0.1:${port}/`]);
      assert.match(r.stdout, /^502 Bad Gateway: .*\|502$/s);
    }
    await assertServing(proxy, good);
  } finally {
    await proxy.close();
    await garbage.close();
    await silent.close();
    await good.close();
  }
});

Deno.test("http proxy forwards a close-delimited response and then closes the client", async () => {
  const origin = startServer(async (conn) => {
    await conn.read(new Uint8Array(4096));
    await writeAll(conn, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close");
  });
  const proxy = startProxy();
  try {
    const answer = await rawExchange(
      proxy.port,
      `GET http://127.0.0.1:${origin.port}/ HTTP/1.1\r\nHost: x\r\n\r\n`,
    );
    assert.match(answer, /^HTTP\/1\.1 200 OK\r\n.*Connection: close\r\n\r\nuntil close$/s);
  } finally {
    await proxy.close();
    await origin.close();
  }
});

Deno.test("http proxy serves an HTTP/1.0 client: de-chunked body, then close", async () => {
  const origin = startHeadOrigin(() =>
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
  );
  const proxy = startProxy();
  try {
    const answer = await rawExchange(
      proxy.port,
      `GET http://127.0.0.1:${origin.port}/old HTTP/1.0\r\n\r\n`,
    );
    assert.match(answer, /^HTTP\/1\.1 200 OK\r\n/);
    assert.doesNotMatch(answer, /transfer-encoding/i);
    assert.match(answer, /\r\nConnection: close\r\n\r\nhello world$/);
    assert.match(origin.heads[0], /^GET \/old HTTP\/1\.1\r\nHost: 127\.0\.0\.1:\d+\r\n/);
  } finally {
    await proxy.close();
    await origin.close();
  }
});

Deno.test("http proxy keeps an HTTP/1.0 keep-alive client open for a second request", async () => {
  const origin = startOrigin("A");
  const proxy = startProxy();
  const host = `127.0.0.1:${origin.port}`;
  try {
    const answer = await rawExchange(
      proxy.port,
      `GET http://${host}/1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n` +
        `GET http://${host}/2 HTTP/1.0\r\n\r\n`,
    );
    assert.match(answer, /Connection: keep-alive\r\n.*A \/1HTTP\/1\.1 200 OK.*A \/2$/s);
    assert.equal(proxy.accepted(), 1);
  } finally {
    await proxy.close();
    await origin.close();
  }
});

Deno.test("http proxy answers HEAD without a body and keeps the connection", async () => {
  const origin = startOrigin("A", () => new Response("x".repeat(1000)));
  const proxy = startProxy();
  const host = `127.0.0.1:${origin.port}`;
  try {
    const answer = await rawExchange(
      proxy.port,
      `HEAD http://${host}/h HTTP/1.1\r\nHost: ${host}\r\n\r\n` +
        `GET http://${host}/h HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
    );
    const [head, get] = answer.split(/(?=HTTP\/1\.1 200 OK)/);
    assert.match(head, /^HTTP\/1\.1 200 OK\r\n.*content-length: 1000\r\n.*\r\n\r\n$/is);
    assert.match(get, /content-length: 1000\r\n.*\r\n\r\nx{1000}$/is);
    assert.deepEqual(origin.seen.map((s) => s.method), ["HEAD", "GET"]);
  } finally {
    await proxy.close();
    await origin.close();
  }
});

Deno.test("http proxy passes 100 Continue on to a client that expects it", async () => {
  const origin = startHeadOrigin(() =>
    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone"
  );
  const proxy = startProxy();
  try {
    const r = await curl([
      "-H",
      "Expect: 100-continue",
      "--data-binary",
      "abc",
      "-w",
      "|%{http_code}",
      "-x",
      proxy.url,
      `http://127.0.0.1:${origin.port}/`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "done|200");
    assert.match(origin.heads[0], /\r\nExpect: 100-continue\r\n/);
  } finally {
    await proxy.close();
    await origin.close();
  }
});

Deno.test("http proxy cuts the client off when the origin breaks its response framing", async () => {
  const origin = startHeadOrigin(() =>
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloZZ"
  );
  const proxy = startProxy();
  try {
    const r = await curl(["-x", proxy.url, `http://127.0.0.1:${origin.port}/`]);
    assert.notEqual(r.code, 0, "curl noticed the truncated body");
  } finally {
    await proxy.close();
    await origin.close();
  }
  assert.equal(proxy.tracked.size, 0);
});

Deno.test("http proxy drops Content-Length from a response that also has Transfer-Encoding", async () => {
  const origin = startHeadOrigin(() =>
    "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n" +
    "4\r\nbody\r\n0\r\n\r\n"
  );
  const proxy = startProxy();
  try {
    const r = await curl(["-D", "-", "-x", proxy.url, `http://127.0.0.1:${origin.port}/`]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /content-length/i);
    assert.match(
      r.stdout,
      /^HTTP\/1\.1 200 OK\r\n(.*\r\n)?Transfer-Encoding: chunked\r\n(.*\r\n)?\r\nbody$/s,
    );
  } finally {
    await proxy.close();
    await origin.close();
  }
});

Deno.test("http proxy lets go of the upstream when the client leaves mid-download", async () => {
  let served = 0;
  const origin = startOrigin("A", () => {
    served++;
    // An endless body: only the client leaving can end this exchange.
    return new Response(
      new ReadableStream({ pull: (c) => c.enqueue(new Uint8Array(65536)) }),
    );
  });
  const proxy = startProxy();
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
    await writeAll(
      conn,
      `GET http://127.0.0.1:${origin.port}/ HTTP/1.1\r\nHost: 127.0.0.1:${origin.port}\r\n\r\n`,
    );
    let got = 0;
    const buf = new Uint8Array(65536);
    while (got < 1024 * 1024) got += (await conn.read(buf)) ?? 0;
    conn.close();
    await proxy.settled();
    assert.equal(proxy.tracked.size, 0, "the upstream connection was closed and untracked");
    assert.equal(served, 1);
  } finally {
    await proxy.close();
    await origin.close();
  }
});

Deno.test("http proxy lets go of the upstream when the client leaves mid-upload", async () => {
  let headSeen!: () => void;
  const headArrived = new Promise<void>((r) => headSeen = r);
  const origin = startServer(async (conn) => {
    await conn.read(new Uint8Array(65536));
    headSeen();
    while ((await conn.read(new Uint8Array(65536))) !== null) {
      // drain until the proxy closes
    }
  });
  const proxy = startProxy();
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
    await writeAll(
      conn,
      `POST http://127.0.0.1:${origin.port}/ HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n` +
        "partial",
    );
    await headArrived;
    conn.close();
    await proxy.settled();
    assert.equal(proxy.tracked.size, 0);
  } finally {
    await proxy.close();
    await origin.close();
  }
});

Deno.test("http proxy closes an exchange with no data either way for idleTimeout", async () => {
  const origin = startServer(async (conn) => {
    // Reads the request and never answers.
    while ((await conn.read(new Uint8Array(65536))) !== null) {
      // keep reading
    }
  });
  const proxy = startProxy({ idleTimeout: 300 });
  try {
    const started = performance.now();
    const answer = await rawExchange(
      proxy.port,
      `GET http://127.0.0.1:${origin.port}/ HTTP/1.1\r\nHost: x\r\n\r\n`,
    );
    const elapsed = performance.now() - started;
    assert.equal(answer, "");
    assert.ok(elapsed >= 250 && elapsed < 5000, `closed after ${elapsed} ms`);
    await proxy.settled();
    assert.equal(proxy.tracked.size, 0);
  } finally {
    await proxy.close();
    await origin.close();
  }
});
