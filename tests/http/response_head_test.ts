import assert from "node:assert/strict";
import { HttpError } from "../../lib/http/errors.ts";
import { parseResponseHead } from "../../lib/http/response_head.ts";
import { bytes } from "./_fake_io.ts";

function status(text: string): number {
  try {
    parseResponseHead(bytes(text));
  } catch (e) {
    if (e instanceof HttpError) return e.status;
    throw e;
  }
  throw new Error(`parsed without error: ${JSON.stringify(text)}`);
}

Deno.test("parseResponseHead() reads version, status, reason and fields", () => {
  const head = parseResponseHead(
    bytes("HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\nX-A:  b \r\n\r\n"),
  );
  assert.equal(head.version, "HTTP/1.1");
  assert.equal(head.status, 404);
  assert.equal(head.reason, "Not Found");
  assert.deepEqual([...head.headers], [["Content-Length", "3"], ["X-A", "b"]]);
});

Deno.test("parseResponseHead() accepts an empty reason with or without its space", () => {
  assert.equal(parseResponseHead(bytes("HTTP/1.1 204 \r\n\r\n")).reason, "");
  assert.equal(parseResponseHead(bytes("HTTP/1.0 200\r\n\r\n")).status, 200);
  assert.equal(parseResponseHead(bytes("HTTP/1.0 200\r\n\r\n")).version, "HTTP/1.0");
});

Deno.test("parseResponseHead() answers 502 to a malformed status line", () => {
  for (
    const bad of [
      "HTTP/1.1 20 OK",
      "HTTP/1.1 2000 OK",
      "HTTP/1.1 099 Low",
      "HTTP/1.1  200 OK",
      "HTTP/2 200 OK",
      "HTTP/2.0 200 OK",
      "ICY 200 OK",
      "HTTP/1.1 200 O\x00K",
      "",
    ]
  ) {
    assert.equal(status(`${bad}\r\nContent-Length: 0\r\n\r\n`), 502, JSON.stringify(bad));
  }
});

Deno.test("parseResponseHead() answers 502 to what a request would get 400 or 431 for", () => {
  assert.equal(status("HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\n\r\n"), 502);
  assert.equal(status("HTTP/1.1 200 OK\nX-A: a\r\n\r\n"), 502);
  assert.equal(status("HTTP/1.1 200 OK\r\nX A: a\r\n\r\n"), 502);
  const many = Array.from({ length: 101 }, (_, i) => `X-${i}: v\r\n`).join("");
  assert.equal(status(`HTTP/1.1 200 OK\r\n${many}\r\n`), 502);
  assert.equal(status(`HTTP/1.1 200 OK\r\nX: ${"a".repeat(70000)}\r\n\r\n`), 502);
});
