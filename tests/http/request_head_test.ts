import assert from "node:assert/strict";
import { HttpError } from "../../lib/http/errors.ts";
import { parseRequestHead } from "../../lib/http/request_head.ts";
import { bytes } from "./_fake_io.ts";

function parse(text: string) {
  return parseRequestHead(bytes(text));
}

function status(text: string): number {
  try {
    parse(text);
  } catch (e) {
    if (e instanceof HttpError) return e.status;
    throw e;
  }
  throw new Error(`parsed without error: ${JSON.stringify(text)}`);
}

Deno.test("parseRequestHead() reads method, target, version and fields with values trimmed", () => {
  const head = parse("GET /a?b=1 HTTP/1.1\r\nHost: example.com\r\nX-Thing:  two words \t\r\n\r\n");
  assert.equal(head.method, "GET");
  assert.equal(head.target, "/a?b=1");
  assert.equal(head.form, "origin");
  assert.equal(head.version, "HTTP/1.1");
  assert.deepEqual([...head.headers], [["Host", "example.com"], ["X-Thing", "two words"]]);
  assert.equal(head.headers.get("x-THING"), "two words");
  assert.deepEqual(head.body, { kind: "none" });
});

Deno.test("parseRequestHead() tells the four request-target forms apart", () => {
  assert.equal(parse("GET http://h:8/p HTTP/1.1\r\nHost: h:8\r\n\r\n").form, "absolute");
  assert.equal(parse("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n").form, "authority");
  assert.equal(parse("CONNECT [::1]:443 HTTP/1.1\r\nHost: x\r\n\r\n").form, "authority");
  assert.equal(parse("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n").form, "asterisk");
  assert.equal(parse("GET / HTTP/1.1\r\nHost: h\r\n\r\n").form, "origin");
});

Deno.test("parseRequestHead() refuses targets that do not suit the method", () => {
  assert.equal(status("CONNECT /x HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  assert.equal(status("CONNECT http://h:1/ HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  assert.equal(status("CONNECT h HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  assert.equal(status("GET * HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  assert.equal(status("GET example.com/x HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
});

Deno.test("parseRequestHead() accepts HTTP/1.0 without Host and reads HTTP/1.9 as 1.1", () => {
  assert.equal(parse("GET http://h/ HTTP/1.0\r\n\r\n").version, "HTTP/1.0");
  assert.equal(parse("GET / HTTP/1.9\r\nHost: h\r\n\r\n").version, "HTTP/1.1");
});

Deno.test("parseRequestHead() answers 505 to another major version and 400 to a bad one", () => {
  assert.equal(status("GET / HTTP/2.0\r\nHost: h\r\n\r\n"), 505);
  assert.equal(status("GET / HTTP/1.10\r\nHost: h\r\n\r\n"), 400);
  assert.equal(status("GET / http/1.1\r\nHost: h\r\n\r\n"), 400);
  assert.equal(status("GET / HTTP/1\r\nHost: h\r\n\r\n"), 400);
  assert.equal(status("GET /\r\nHost: h\r\n\r\n"), 400);
});

Deno.test("parseRequestHead() skips empty lines before the request line", () => {
  assert.equal(parse("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n").method, "GET");
});

Deno.test("parseRequestHead() answers 414 to a request line over 8 KiB, not at 8 KiB", () => {
  const line = (n: number) => `GET /${"a".repeat(n - "GET / HTTP/1.1".length)} HTTP/1.1`;
  assert.equal(line(8192).length, 8192);
  assert.equal(parse(`${line(8192)}\r\nHost: h\r\n\r\n`).method, "GET");
  assert.equal(status(`${line(8193)}\r\nHost: h\r\n\r\n`), 414);
});

Deno.test("parseRequestHead() answers 431 to more than 100 fields or a head over 64 KiB", () => {
  const fields = (n: number) => Array.from({ length: n }, (_, i) => `X-${i}: v\r\n`).join("");
  assert.equal(parse(`GET / HTTP/1.1\r\nHost: h\r\n${fields(99)}\r\n`).headers.size, 100);
  assert.equal(status(`GET / HTTP/1.1\r\nHost: h\r\n${fields(100)}\r\n`), 431);
  assert.equal(status(`GET / HTTP/1.1\r\nHost: h\r\nX-Big: ${"a".repeat(65536)}\r\n\r\n`), 431);
});

Deno.test("parseRequestHead() answers 400 to obs-fold and whitespace before the first field", () => {
  assert.equal(status("GET / HTTP/1.1\r\nHost: h\r\nX-A: one\r\n two\r\n\r\n"), 400);
  assert.equal(status("GET / HTTP/1.1\r\nHost: h\r\nX-A: one\r\n\ttwo\r\n\r\n"), 400);
  assert.equal(status("GET / HTTP/1.1\r\n Host: h\r\n\r\n"), 400);
});

Deno.test("parseRequestHead() answers 400 to bare LF and bare CR", () => {
  assert.equal(status("GET / HTTP/1.1\nHost: h\r\n\r\n"), 400);
  assert.equal(status("GET / HTTP/1.1\r\nHost: h\n\r\n"), 400);
  assert.equal(status("GET / HTTP/1.1\r\nHost: h\r\n\n"), 400);
  assert.equal(status("GET / HTTP/1.1\r\nX-A: a\rb\r\nHost: h\r\n\r\n"), 400);
  assert.equal(status("GET / HTTP/1.1\r\rHost: h\r\n\r\n"), 400);
});

Deno.test("parseRequestHead() answers 400 to invalid characters anywhere in the head", () => {
  assert.equal(status("G(T / HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  assert.equal(status("GET  / HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  assert.equal(status("GET / HTTP/1.1 \r\nHost: h\r\n\r\n"), 400);
  assert.equal(status("GET /\x7f HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  assert.equal(status("GET /\u00e9 HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  assert.equal(status("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x00b\r\n\r\n"), 400);
  assert.equal(status("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x01\r\n\r\n"), 400);
  assert.equal(status("GET / HTTP/1.1\r\nHost: h\r\nX A: a\r\n\r\n"), 400);
  assert.equal(status("GET / HTTP/1.1\r\nHost: h\r\nX-A : a\r\n\r\n"), 400);
  assert.equal(status("GET / HTTP/1.1\r\nHost: h\r\n: a\r\n\r\n"), 400);
  assert.equal(status("GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n"), 400);
  assert.equal(status("GET / HTTP/1.1\r\nHost: h\r\nX-\u00e9: a\r\n\r\n"), 400);
});

Deno.test("parseRequestHead() keeps obs-text in values byte for byte", () => {
  const head = parseRequestHead(
    new Uint8Array([
      ...bytes("GET / HTTP/1.1\r\nHost: h\r\nX-A: "),
      0xe9,
      0x80,
      ...bytes("\r\n\r\n"),
    ]),
  );
  assert.equal(head.headers.get("x-a"), "\u00e9\u0080");
});

Deno.test("parseRequestHead() answers 400 to a missing or repeated Host in HTTP/1.1", () => {
  assert.equal(status("GET / HTTP/1.1\r\n\r\n"), 400);
  assert.equal(status("GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n"), 400);
});

Deno.test("parseRequestHead() answers 400 to a head that is cut short or runs on", () => {
  assert.equal(status("GET / HTTP/1.1\r\nHost: h\r\n"), 400);
  assert.equal(status("GET / HTTP/1.1\r\nHost: h\r\n\r\nextra"), 400);
});

Deno.test("parseRequestHead() answers 400 to Content-Length with Transfer-Encoding", () => {
  assert.equal(
    status("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"),
    400,
  );
  assert.equal(
    status("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n"),
    400,
  );
});

Deno.test("parseRequestHead() answers 400 to differing or malformed Content-Length", () => {
  const cl = (...v: string[]) =>
    `POST / HTTP/1.1\r\nHost: h\r\n${v.map((x) => `Content-Length: ${x}\r\n`).join("")}\r\n`;
  for (
    const bad of [
      "5, 6",
      "-1",
      "+5",
      "0x10",
      "",
      "1 2",
      "5,",
      ",5",
      "5;q=1",
      "1e3",
      "99999999999999999",
    ]
  ) {
    assert.equal(status(cl(bad)), 400, `Content-Length: ${bad}`);
  }
  assert.equal(status(cl("5", "6")), 400);
  assert.deepEqual(parse(cl("5")).body, { kind: "length", length: 5 });
  assert.deepEqual(parse(cl("5, 5")).body, { kind: "length", length: 5 });
  assert.deepEqual(parse(cl("5", "5")).body, { kind: "length", length: 5 });
  assert.deepEqual(parse(cl("007")).body, { kind: "length", length: 7 });
  assert.deepEqual(parse(cl("0")).body, { kind: "none" });
});

Deno.test("parseRequestHead() takes one Transfer-Encoding field saying chunked, as nginx does", () => {
  const te = (...v: string[]) =>
    `POST / HTTP/1.1\r\nHost: h\r\n${v.map((x) => `Transfer-Encoding: ${x}\r\n`).join("")}\r\n`;
  for (const ok of ["chunked", "Chunked", "CHUNKED", " chunked "]) {
    assert.deepEqual(parse(te(ok)).body, { kind: "chunked" }, ok);
  }
  // Another coding, or chunked dressed up: 501, never forwarded as written.
  for (
    const other of [
      "gzip, chunked",
      "identity, chunked",
      "gzip,chunked",
      "chunked, ",
      "gzip",
      "chunked, gzip",
      "chunked, chunked",
      "identity",
      "xchunked",
      "",
      "chun ked",
    ]
  ) {
    assert.equal(status(te(other)), 501, `Transfer-Encoding: ${other}`);
  }
  // Two fields, even both chunked: 400 (nginx: duplicate header line).
  assert.equal(status(te("chunked", "chunked")), 400);
  assert.equal(status(te("gzip", "chunked")), 400);
  assert.equal(status(te("chunked", "gzip")), 400);
  assert.equal(status("POST http://h/ HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
});

Deno.test("parseRequestHead() gives CONNECT no body whatever its fields say", () => {
  const head = parse("CONNECT h:1 HTTP/1.1\r\nHost: h:1\r\nContent-Length: 5\r\n\r\n");
  assert.deepEqual(head.body, { kind: "none" });
});

Deno.test("parseRequestHead() refuses a Host that is not an authority: name.., a path, empty", () => {
  for (const host of ["name..", "name/x", "", "a b", "user@h", "h:99999", "[zz]", "..", "a\\b"]) {
    assert.equal(status(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`), 400, JSON.stringify(host));
  }
  for (const host of ["name.", "a-b.example:8080", "127.0.0.1", "[::1]:80", "h:", "x_y"]) {
    assert.equal(parse(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`).form, "origin", host);
  }
  // An absolute-form target carries the authority: an empty Host is allowed there.
  assert.equal(parse("GET http://h/ HTTP/1.1\r\nHost:\r\n\r\n").form, "absolute");
});
