/**
 * Transfer-Encoding as nginx takes it, through main.ts's reverse and forward proxies: one field
 * saying `chunked` (any case) is the only coding accepted; two fields get 400, another coding
 * 501; the origin gets the framing as the proxy writes it, never the client's field line.
 */
import assert from "node:assert/strict";
import { decoder, encoder } from "../_support/bytes.ts";
import { rawExchange, statusOf, writeAll } from "../_support/io.ts";
import { startServer } from "../_support/origins.ts";
import { freePort } from "../_support/ports.ts";
import { startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";

/** A raw origin that reads each request whole (head and body) and keeps it as sent. */
function rawOrigin() {
  const requests: string[] = [];
  const server = startServer(async (conn) => {
    let text = "";
    const buf = new Uint8Array(65536);
    while (!complete(text)) {
      const n = await conn.read(buf);
      if (n === null) return;
      text += decoder.decode(buf.subarray(0, n));
    }
    requests.push(text);
    // `/conn-te`: a chunked answer whose Connection names Transfer-Encoding, which must not
    // strip the framing on the way to the client.
    const answer = text.startsWith("GET /conn-te ")
      ? "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close, transfer-encoding" +
        "\r\n\r\n2\r\nok\r\n0\r\n\r\n"
      : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
    await writeAll(conn, encoder.encode(answer));
    conn.close();
  });
  return { port: server.port, requests, close: () => server.close() };
}

/** Whether `text` holds a whole request: a head, then its chunked or Content-Length body. */
function complete(text: string): boolean {
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) return false;
  const head = text.slice(0, end);
  const body = text.slice(end + 4);
  if (/\r\ntransfer-encoding:/i.test(head)) return body.endsWith("0\r\n\r\n");
  const length = /\r\ncontent-length: *(\d+)/i.exec(head);
  return body.length >= (length ? Number(length[1]) : 0);
}

const BODY = "5\r\nhello\r\n0\r\n\r\n";

/** Transfer-Encoding field lines a client sends, the status it must get, more field lines. */
const CASES: [string[], number, string?][] = [
  [["chunked"], 200],
  // Connection naming a framing field must not strip it (the body would become a request).
  [["chunked"], 200, "Connection: transfer-encoding\r\n"],
  [["CHUNKED"], 200],
  [["Chunked"], 200],
  [["identity, chunked"], 501],
  [["gzip, chunked"], 501],
  [["gzip"], 501],
  [["chunked", "chunked"], 400],
  [["gzip", "chunked"], 400],
];

/** Runs every case through one side of main.ts; returns what went wrong, one line per case. */
async function problems(side: "reverse" | "forward"): Promise<string[]> {
  const dir = await tempDir();
  const origin = rawOrigin();
  const port = freePort();
  const inst = await startInstance(
    dir.path,
    side === "forward" ? `[proxy]\nbind_addr = "127.0.0.1:${port}"\n` : `
[[http.upstream]]
name = "origin"
server = [{ addr = "127.0.0.1:${origin.port}" }]
[[http.server]]
bind_addr = "127.0.0.1:${port}"
[[http.server.location]]
rule = "/"
proxy_url = "http://origin"
`,
  );
  const target = side === "forward" ? `http://127.0.0.1:${origin.port}/te` : "/te";
  const wrong: string[] = [];
  try {
    for (const [values, expected, extra = ""] of CASES) {
      const te = values.map((v) => `Transfer-Encoding: ${v}\r\n`).join("") + extra;
      const before = origin.requests.length;
      const answer = await rawExchange(
        port,
        `POST ${target} HTTP/1.1\r\nHost: a.test\r\n${te}Connection: close\r\n\r\n${BODY}`,
      );
      const what = `${JSON.stringify(values)}${extra ? ` with ${JSON.stringify(extra)}` : ""}`;
      if (statusOf(answer) !== expected) {
        wrong.push(`${what}: ${statusOf(answer)}, expected ${expected}`);
      }
      if (expected !== 200) {
        if (origin.requests.length !== before) wrong.push(`${what}: reached the origin`);
        continue;
      }
      const sent = origin.requests[before] ?? "";
      const head = sent.slice(0, sent.indexOf("\r\n\r\n") + 2);
      // Exactly our line, once, and no Content-Length beside it.
      const lines = head.match(/transfer-encoding:.*\r\n/gi) ?? [];
      if (lines.length !== 1 || lines[0] !== "Transfer-Encoding: chunked\r\n") {
        wrong.push(`${what}: the origin got ${JSON.stringify(lines)}`);
      }
      if (/content-length/i.test(head)) wrong.push(`${what}: the origin got a Content-Length`);
      if (!sent.endsWith(`\r\n\r\n${BODY}`)) wrong.push(`${what}: body ${JSON.stringify(sent)}`);
    }
    // Content-Length: repeated or list-form values reach the origin as one plain number.
    const before = origin.requests.length;
    const answer = await rawExchange(
      port,
      `POST ${target} HTTP/1.1\r\nHost: a.test\r\ncontent-length: 5, 5\r\n` +
        `Content-Length: 05\r\nConnection: close\r\n\r\nhello`,
    );
    const head = (origin.requests[before] ?? "").split("\r\n\r\n")[0];
    const lines = head.match(/content-length:.*/gi) ?? [];
    if (statusOf(answer) !== 200 || lines.join() !== "Content-Length: 5") {
      wrong.push(`Content-Length 5, 5 and 05: ${statusOf(answer)}, the origin got ${lines}`);
    }
    const path = side === "forward" ? `http://127.0.0.1:${origin.port}/conn-te` : "/conn-te";
    const chunked = await rawExchange(
      port,
      `GET ${path} HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n`,
    );
    if (!/\r\ntransfer-encoding: chunked\r\n.*\r\n\r\n2\r\nok\r\n0\r\n\r\n$/is.test(chunked)) {
      wrong.push(
        `a chunked answer with Connection: transfer-encoding came as ${JSON.stringify(chunked)}`,
      );
    }
  } finally {
    await inst.kill();
    await origin.close();
    await dir.cleanup();
  }
  return wrong;
}

Deno.test("reverse proxy takes only one Transfer-Encoding: chunked and sends its own framing", async () => {
  assert.deepEqual(await problems("reverse"), []);
});

Deno.test("forward proxy takes only one Transfer-Encoding: chunked and sends its own framing", async () => {
  assert.deepEqual(await problems("forward"), []);
});
