import assert from "node:assert/strict";
import { HttpError } from "../../lib/http/errors.ts";
import { HeadBuilder } from "../../lib/http/head_builder.ts";
import { HttpReader } from "../../lib/http/reader.ts";
import { decoder, encoder } from "../_support/bytes.ts";

// The lib/http pieces the reverse proxy's hot path adds: HeadBuilder, takeHead, park.

const HEAD =
  "GET /a HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\nAccept: */*\r\nX-A: 1\r\n\r\n";

Deno.test("HeadBuilder copies field lines minus dropped ones and appends fields", () => {
  const raw = encoder.encode(HEAD);
  const b = new HeadBuilder(16);
  b.startLineOf(raw);
  b.fieldsOf(raw, [1, 3]);
  b.field("X-Forwarded-For", "10.0.0.1");
  b.crlf();
  b.bytes(encoder.encode("body"));
  assert.equal(
    decoder.decode(b.view()),
    "GET /a HTTP/1.1\r\nHost: h\r\nAccept: */*\r\nX-Forwarded-For: 10.0.0.1\r\n\r\nbody",
  );
  b.reset().fieldsOf(raw, null);
  assert.equal(decoder.decode(b.view()), HEAD.slice(HEAD.indexOf("\n") + 1, -2));
});

Deno.test("HeadBuilder refuses fields that would split the message", () => {
  const b = new HeadBuilder();
  assert.throws(
    () => b.field("X", "a\r\nInjected: 1"),
    (e) => e instanceof HttpError && e.status === 500,
  );
  assert.throws(() => b.field("Bad Name", "v"), HttpError);
  assert.throws(() => b.field("X", "中"), HttpError);
  b.field("X", "caf\u00e9");
  assert.deepEqual([...b.view()].slice(-3), [0xe9, 0x0d, 0x0a], "latin-1 chars are single bytes");
});

Deno.test("HttpReader.takeHead returns a buffered head without reading and resumes scans", async () => {
  const chunks = [encoder.encode("GET / HTTP/1.1\r\nHo"), encoder.encode("st: a\r\n\r\nGET /2 HT")];
  const r = new HttpReader({
    read(p) {
      const c = chunks.shift();
      if (!c) return Promise.resolve(null);
      p.set(c);
      return Promise.resolve(c.length);
    },
  });
  assert.equal(r.takeHead("request"), undefined, "nothing buffered yet");
  assert.equal(await r.fill(), true);
  assert.equal(r.takeHead("request"), undefined, "incomplete");
  assert.equal(await r.fill(), true);
  assert.equal(decoder.decode(r.takeHead("request")!), "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  assert.equal(r.takeHead("request"), undefined);
  await assert.rejects(r.readHead("request"), /closed in the middle of a request head/);
  r.release();
});

Deno.test("HttpReader.park gives the buffer back only when nothing is buffered", async () => {
  let sent = false;
  const r = new HttpReader({
    read(p) {
      if (sent) return Promise.resolve(0);
      sent = true;
      p.set(encoder.encode("ab"));
      return Promise.resolve(2);
    },
  });
  assert.equal(r.park(), true);
  assert.equal(await r.fill(), true, "a parked reader takes a buffer again");
  assert.equal(r.park(), false, "bytes are buffered");
  r.consume(2);
  assert.equal(r.park(), true);
  assert.equal(await r.fill(), false, "a read of 0 bytes is the end of the stream");
  r.release();
});
