import assert from "node:assert/strict";
import { decoder } from "../_support/bytes.ts";
import { readExactly, readHead, writeAll } from "../_support/io.ts";
import { startServer } from "../_support/origins.ts";
import { startProxy } from "./http_harness.ts";

/**
 * An origin that answers one request per connection (head and Content-Length body read in
 * full) with its request line and body length, keeps the connection as HTTP/1.1 allows, then
 * closes it 200 ms later, as servers with short keep-alive timeouts do.
 */
function startShortKeepAliveOrigin(onClosed: () => void) {
  return startServer(async (conn) => {
    let text = "";
    const chunk = new Uint8Array(65536);
    while (true) {
      const end = text.indexOf("\r\n\r\n");
      const length = Number(/content-length: *(\d+)/i.exec(text)?.[1] ?? 0);
      if (end >= 0 && text.length >= end + 4 + length) {
        const body = `seen ${text.slice(0, text.indexOf("\r\n"))} ${length}`;
        await writeAll(conn, `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
        break;
      }
      const n = await conn.read(chunk);
      if (n === null) return;
      text += decoder.decode(chunk.subarray(0, n));
    }
    await new Promise((r) => setTimeout(r, 200));
    conn.close();
    onClosed();
  });
}

/** Reads one response with a Content-Length body: status line and body. */
async function readResponse(conn: Deno.Conn): Promise<string> {
  const head = decoder.decode(await readHead(conn));
  const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
  return `${head.slice(0, head.indexOf("\r\n"))} | ${
    decoder.decode(await readExactly(conn, length))
  }`;
}

Deno.test("http proxy sends a POST on a fresh connection after the origin closed the kept one", async () => {
  const { promise: originClosed, resolve } = Promise.withResolvers<void>();
  const origin = startShortKeepAliveOrigin(resolve);
  const proxy = startProxy();
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  try {
    const url = `http://127.0.0.1:${origin.port}`;
    await writeAll(conn, `GET ${url}/a HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.equal(await readResponse(conn), "HTTP/1.1 200 OK | seen GET /a HTTP/1.1 0");
    await originClosed;
    await writeAll(conn, `POST ${url}/p HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\n\r\npayload`);
    assert.equal(await readResponse(conn), "HTTP/1.1 200 OK | seen POST /p HTTP/1.1 7");
    assert.equal(origin.accepted(), 2);
  } finally {
    conn.close();
    await proxy.close();
    await origin.close();
  }
});
