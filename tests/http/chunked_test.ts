import assert from "node:assert/strict";
import { decoder } from "../_support/bytes.ts";
import { copyChunked } from "../../lib/http/chunked.ts";
import { HttpError } from "../../lib/http/errors.ts";
import { HttpReader } from "../../lib/http/reader.ts";
import { byteByByte, FakeSink, FakeSource } from "./_fake_io.ts";

async function copy(chunks: string[], dechunk = false) {
  const reader = new HttpReader(new FakeSource(chunks));
  const sink = new FakeSink();
  try {
    const n = await copyChunked(reader, sink, { dechunk });
    return { n, out: sink.text, rest: decoder.decode(reader.view()) };
  } finally {
    reader.release();
  }
}

async function failure(chunks: string[]): Promise<{ error: HttpError; written: string }> {
  const reader = new HttpReader(new FakeSource(chunks));
  const sink = new FakeSink();
  try {
    await copyChunked(reader, sink);
  } catch (e) {
    if (e instanceof HttpError) return { error: e, written: sink.text };
    throw e;
  } finally {
    reader.release();
  }
  throw new Error(`copied without error: ${JSON.stringify(chunks.join(""))}`);
}

const BODY = "5\r\nhello\r\n6;name=value;x\r\n world\r\n0\r\nX-Trailer: yes\r\n\r\n";

Deno.test("copyChunked() passes a valid body through unchanged and stops at its end", async () => {
  const { n, out, rest } = await copy([BODY + "GET /next HTTP/1.1\r\n"]);
  assert.equal(out, BODY);
  assert.equal(n, 11);
  assert.equal(rest, "GET /next HTTP/1.1\r\n");
});

Deno.test("copyChunked() gives the same bytes when they arrive one at a time", async () => {
  const { out } = await copy(byteByByte(BODY));
  assert.equal(out, BODY);
});

Deno.test("copyChunked() with dechunk writes the data alone", async () => {
  const { n, out } = await copy([BODY], true);
  assert.equal(out, "hello world");
  assert.equal(n, 11);
  assert.equal((await copy(byteByByte(BODY), true)).out, "hello world");
});

Deno.test("copyChunked() takes upper- and lower-case hex and leading zeros", async () => {
  const body = "A\r\n0123456789\r\n00000b\r\nabcdefghijk\r\n000\r\n\r\n";
  assert.equal((await copy([body])).n, 21);
});

Deno.test("copyChunked() refuses a chunk size that is not hex", async () => {
  for (const line of ["z", "", "-1", "0x5", " 5", "5 ", "5\t", "5;\x01", "5 x"]) {
    const { error, written } = await failure([`${line}\r\nhello\r\n0\r\n\r\n`]);
    assert.equal(error.status, 400, JSON.stringify(line));
    assert.equal(written, "", JSON.stringify(line));
  }
});

Deno.test("copyChunked() accepts whitespace before an extension", async () => {
  assert.equal((await copy(["5 ;ext=1\r\nhello\r\n0\r\n\r\n"])).n, 5);
});

Deno.test("copyChunked() refuses bare LF and data not followed by CRLF", async () => {
  assert.equal((await failure(["5\nhello\r\n0\r\n\r\n"])).error.status, 400);
  assert.equal((await failure(["5\r\nhelloX\r\n0\r\n\r\n"])).error.status, 400);
  assert.equal((await failure(["5\r\nhello\rX0\r\n\r\n"])).error.status, 400);
  assert.equal((await failure(["5\r\nhello\n0\r\n\r\n"])).error.status, 400);
});

Deno.test("copyChunked() writes nothing of a bad line, only chunks before it", async () => {
  const valid = "5\r\nhello\r\n3\r\nabc\r\n";
  const { written } = await failure(["5\r\nhello\r\n", "3\r\nabc\r\nGET / HTTP/1.1\r\n\r\n"]);
  assert.ok(written.length > 0 && valid.startsWith(written), JSON.stringify(written));
});

Deno.test("copyChunked() checks trailer fields like header fields", async () => {
  assert.equal((await failure(["0\r\nBad Name: x\r\n\r\n"])).error.status, 400);
  assert.equal((await failure(["0\r\nX: a\r\n folded\r\n\r\n"])).error.status, 400);
  assert.equal((await failure(["0\r\nX: a\n\r\n"])).error.status, 400);
  assert.equal((await failure(["0\r\nX: a\x00\r\n\r\n"])).error.status, 400);
});

Deno.test("copyChunked() refuses a body cut short, an endless size line, a huge chunk", async () => {
  assert.match((await failure(["5\r\nhel"])).error.message, /closed/);
  assert.match((await failure(["5\r\nhello\r\n"])).error.message, /closed/);
  assert.match((await failure(["0\r\nX: y\r\n"])).error.message, /closed/);
  assert.match((await failure([`1;${"a".repeat(5000)}`])).error.message, /too long/);
  assert.match((await failure(["1000000000000\r\n"])).error.message, /too large/);
  assert.match((await failure([`0\r\n${"X: y\r\n".repeat(4000)}`])).error.message, /too large/);
});

Deno.test("copyChunked() holds the 4,096-byte size-line limit however the bytes arrive", async () => {
  const long = `1;${"a".repeat(50_000)}\r\nx\r\n0\r\n\r\n`;
  // In one piece (it used to pass: the LF was already there), and split in two.
  assert.match((await failure([long])).error.message, /too long/);
  assert.match((await failure([long.slice(0, 3000), long.slice(3000)])).error.message, /too long/);
  // A line just at the limit (LF included) still passes.
  const fits = `1;${"a".repeat(4096 - 5)}\r\nx\r\n0\r\n\r\n`;
  assert.equal((await copy([fits])).n, 1);
});
