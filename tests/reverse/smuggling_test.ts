import assert from "node:assert/strict";
import { decoder } from "../_support/bytes.ts";
import { rawExchange, readToEnd, writeAll } from "../_support/io.ts";
import { startServer } from "../_support/origins.ts";
import { location, options, proxyTo, startReverse, timeouts, upstream } from "./_harness.ts";

// Request smuggling and malformed heads: refused by the strict parser, never forwarded.

/**
 * An origin that records every byte it receives and (when `answer`) answers each head with a
 * small 200.
 */
function startRecorder(answer = true) {
  let received = "";
  const server = startServer(async (conn) => {
    const buf = new Uint8Array(65536);
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      const text = decoder.decode(buf.subarray(0, n));
      received += text;
      if (answer && text.includes("\r\n\r\n")) {
        await writeAll(conn, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      }
    }
  });
  return { port: server.port, received: () => received, close: () => server.close() };
}

const SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n";

const cases: [string, string, number][] = [
  [
    "Content-Length with Transfer-Encoding",
    "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" +
    SMUGGLED,
    400,
  ],
  [
    "differing Content-Length values",
    `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: ${SMUGGLED.length}\r\n\r\n` +
    SMUGGLED,
    400,
  ],
  [
    "Content-Length as a list of different values",
    `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0, ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`,
    400,
  ],
  [
    "Transfer-Encoding not ending in chunked",
    "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n" +
    SMUGGLED,
    501,
  ],
  [
    "an unknown Transfer-Encoding",
    "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n" + SMUGGLED,
    501,
  ],
  [
    "Transfer-Encoding in HTTP/1.0",
    "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED,
    400,
  ],
  [
    "whitespace before the colon",
    `POST / HTTP/1.1\r\nHost: a\r\nContent-Length : ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`,
    400,
  ],
  [
    "obs-fold",
    "GET / HTTP/1.1\r\nHost: a\r\nX-Folded: a\r\n b\r\n\r\n" + SMUGGLED,
    400,
  ],
  [
    "a bare LF",
    "GET / HTTP/1.1\nHost: a\n\n" + SMUGGLED,
    400,
  ],
  [
    "two Host headers",
    "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n" + SMUGGLED,
    400,
  ],
  ["a Host ending in two dots", "GET / HTTP/1.1\r\nHost: name..\r\n\r\n" + SMUGGLED, 400],
  ["a Host with a path", "GET / HTTP/1.1\r\nHost: name/x\r\n\r\n" + SMUGGLED, 400],
  ["an empty Host", "GET / HTTP/1.1\r\nHost:\r\n\r\n" + SMUGGLED, 400],
  [
    "more than 100 header fields",
    "GET / HTTP/1.1\r\nHost: a\r\n" +
    Array.from({ length: 101 }, (_, i) => `X-H${i}: v\r\n`).join("") + "\r\n" + SMUGGLED,
    431,
  ],
  [
    "a request line over 8 KiB",
    `GET /${"a".repeat(8200)} HTTP/1.1\r\nHost: a\r\n\r\n${SMUGGLED}`,
    414,
  ],
];

for (const [name, payload, expected] of cases) {
  Deno.test(`ReverseProxy refuses ${name} with ${expected}, forwarding nothing`, async () => {
    const origin = startRecorder();
    const p = startReverse(options([location("/", proxyTo(upstream("o", [origin.port])))]));
    try {
      const answer = await rawExchange(p.port, payload);
      assert.match(answer, new RegExp(`^HTTP/1\\.1 ${expected} `));
      assert.match(answer, /\r\nConnection: close\r\n/);
      assert.equal(answer.split("HTTP/1.1 ").length, 2, "one answer, then the connection closed");
      assert.equal(origin.received(), "", "the origin got nothing");
    } finally {
      await p.close();
      await origin.close();
    }
  });
}

const badChunks: [string, string][] = [
  ["a chunk size that is not hex", "zz\r\n"],
  ["a chunk size with a sign", "-1\r\n"],
  ["an overlong chunk size", "fffffffffffffffff\r\n"],
  ["a chunk size with trailing garbage", "5 x\r\nhello\r\n"],
  ["chunk data longer than its size", "2\r\nhello\r\n"],
  ["a chunk size line ending in a bare LF", "5\nhello\r\n"],
];

for (const [name, bad] of badChunks) {
  Deno.test(`ReverseProxy answers 400 to ${name} and the origin never sees a second request`, async () => {
    const origin = startRecorder(false);
    const p = startReverse(options([location("/", proxyTo(upstream("o", [origin.port])))]));
    try {
      const payload = "POST /first HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" +
        "3\r\nabc\r\n" + bad + "0\r\n\r\n" + SMUGGLED;
      const answer = await rawExchange(p.port, payload);
      assert.match(answer, /^HTTP\/1\.1 400 /);
      assert.equal(answer.split("HTTP/1.1 ").length, 2, "one answer, then the connection closed");
      const seen = origin.received();
      assert.ok(!seen.includes("/smuggled"), `the origin saw: ${JSON.stringify(seen)}`);
      assert.ok(!seen.includes(bad), "the bad chunk line itself was not forwarded");
    } finally {
      await p.close();
      await origin.close();
    }
  });
}

Deno.test("ReverseProxy answers 408 when a head is not complete within clientRead", async () => {
  const origin = startRecorder();
  const t = timeouts({ clientRead: 300 });
  const p = startReverse(options(
    [location("/", proxyTo(upstream("o", [origin.port])), { timeouts: t })],
    { timeouts: t },
  ));
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: p.port });
  try {
    const started = Date.now();
    await writeAll(conn, "GET / HTTP/1.1\r\nHost: a\r\nX-Slow: ");
    const answer = decoder.decode(await readToEnd(conn));
    assert.match(answer, /^HTTP\/1\.1 408 Request Timeout\r\n/);
    assert.ok(Date.now() - started >= 280, "not before clientRead");
    assert.equal(origin.received(), "");
  } finally {
    conn.close();
    await p.close();
    await origin.close();
  }
});

Deno.test("ReverseProxy does not reuse an upstream connection after a response with CL and TE", async () => {
  // The origin answers with both framings; the proxy trusts chunked and drops the connection.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let accepted = 0;
  const loop = (async () => {
    for await (const conn of listener) {
      accepted++;
      (async () => {
        const buf = new Uint8Array(4096);
        try {
          while ((await conn.read(buf)) !== null) {
            await writeAll(
              conn,
              "HTTP/1.1 200 OK\r\nContent-Length: 50\r\nTransfer-Encoding: chunked\r\n\r\n" +
                "2\r\nok\r\n0\r\n\r\n",
            );
          }
        } catch {
          // closed
        } finally {
          conn.close();
        }
      })();
    }
  })();
  const port = (listener.addr as Deno.NetAddr).port;
  const p = startReverse(options([location("/", proxyTo(upstream("o", [port])))]));
  try {
    const r = await rawExchange(
      p.port,
      "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    );
    const answers = r.split("HTTP/1.1 200 OK").slice(1);
    assert.equal(answers.length, 2);
    for (const a of answers) {
      assert.doesNotMatch(a, /Content-Length/i, "only the chunked framing goes to the client");
      assert.match(a, /\r\n\r\n2\r\nok\r\n0\r\n\r\n$/);
    }
    assert.equal(accepted, 2, "a new upstream connection for the second request");
  } finally {
    await p.close();
    listener.close();
    await loop;
  }
});

Deno.test("ReverseProxy sends an HTTP/1.2 request upstream as HTTP/1.1", async () => {
  const origin = startRecorder();
  const p = startReverse(options([location("/", proxyTo(upstream("o", [origin.port])))]));
  try {
    const answer = await rawExchange(
      p.port,
      "GET /v HTTP/1.2\r\nHost: a\r\nConnection: close\r\n\r\n",
    );
    assert.match(answer, /^HTTP\/1\.1 200 /);
    assert.match(origin.received(), /^GET \/v HTTP\/1\.1\r\n/);
  } finally {
    await p.close();
    await origin.close();
  }
});
