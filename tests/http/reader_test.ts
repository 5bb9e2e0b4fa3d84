import assert from "node:assert/strict";
import { decoder } from "../_support/bytes.ts";
import { HttpError } from "../../lib/http/errors.ts";
import { HttpReader } from "../../lib/http/reader.ts";
import { parseRequestHead } from "../../lib/http/request_head.ts";
import { byteByByte, bytes, FakeSource } from "./_fake_io.ts";

async function rejectsWith(p: Promise<unknown>, status: number): Promise<void> {
  await assert.rejects(p, (e) => e instanceof HttpError && e.status === status);
}

Deno.test("HttpReader.readHead() finds a head sent one byte per read", async () => {
  const text = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
  const src = new FakeSource(byteByByte(text));
  const reader = new HttpReader(src);
  try {
    const head = await reader.readHead("request");
    assert.equal(decoder.decode(head!), text);
    assert.equal(src.reads, text.length);
    assert.equal(reader.buffered, 0);
  } finally {
    reader.release();
  }
});

Deno.test("HttpReader.readHead() starts from the sniffed bytes and keeps what follows", async () => {
  const reader = new HttpReader(
    new FakeSource(["ost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\nBODY"]),
    bytes("GET /1 HTTP/1.1\r\nH"),
  );
  try {
    assert.equal(parseRequestHead((await reader.readHead("request"))!).target, "/1");
    assert.equal(parseRequestHead((await reader.readHead("request"))!).target, "/2");
    assert.equal(decoder.decode(reader.view()), "BODY");
  } finally {
    reader.release();
  }
});

Deno.test("HttpReader.readHead() returns null at a clean end and 400 inside a head", async () => {
  const empty = new HttpReader(new FakeSource([]));
  const cut = new HttpReader(new FakeSource(["GET / HTTP/1.1\r\nHo"]));
  try {
    assert.equal(await empty.readHead("request"), null);
    await rejectsWith(cut.readHead("request"), 400);
  } finally {
    empty.release();
    cut.release();
  }
});

Deno.test("HttpReader.readHead() skips empty lines between requests", async () => {
  const reader = new HttpReader(
    new FakeSource(["\r\n", "\r", "\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"]),
  );
  try {
    assert.equal(parseRequestHead((await reader.readHead("request"))!).method, "GET");
  } finally {
    reader.release();
  }
});

Deno.test("HttpReader.readHead() answers 414 for a long request line without waiting for its end", async () => {
  // The source never ends: only an early check can settle the promise.
  const reader = new HttpReader(new FakeSource([`GET /${"a".repeat(9000)}`], true));
  try {
    await rejectsWith(reader.readHead("request"), 414);
  } finally {
    reader.release();
  }
});

Deno.test("HttpReader.readHead() answers 431 once a head passes 64 KiB or 100 fields", async () => {
  const big = new HttpReader(
    new FakeSource([`GET / HTTP/1.1\r\nX-Big: ${"a".repeat(70000)}`], true),
  );
  const many = new HttpReader(
    new FakeSource(["GET / HTTP/1.1\r\n", ..."X: y\r\n".repeat(101).match(/.{1,6}/gs)!], true),
  );
  try {
    await rejectsWith(big.readHead("request"), 431);
    await rejectsWith(many.readHead("request"), 431);
  } finally {
    big.release();
    many.release();
  }
});

Deno.test("HttpReader.readHead() accepts a head of exactly 64 KiB", async () => {
  const start = "GET / HTTP/1.1\r\nHost: h\r\nX-Pad: ";
  const pad = "a".repeat(65536 - start.length - 4);
  const text = `${start}${pad}\r\n\r\n`;
  assert.equal(text.length, 65536);
  const reader = new HttpReader(new FakeSource([text.slice(0, 1000), text.slice(1000)]), bytes(""));
  try {
    assert.equal((await reader.readHead("request"))!.length, 65536);
  } finally {
    reader.release();
  }
});

Deno.test("HttpReader.readHead() answers 400 for a bare LF as soon as it arrives", async () => {
  const reader = new HttpReader(new FakeSource(["GET / HTTP/1.1\nHost"], true));
  try {
    await rejectsWith(reader.readHead("request"), 400);
  } finally {
    reader.release();
  }
});

Deno.test("HttpReader.readHead() reports every response fault as 502", async () => {
  const cases = [
    new FakeSource(["HTTP/1.1 200 OK\nX: y"], true),
    new FakeSource([`HTTP/1.1 200 OK\r\nX: ${"a".repeat(70000)}`], true),
    new FakeSource(["HTTP/1.1 200 OK\r\n"]),
  ];
  for (const src of cases) {
    const reader = new HttpReader(src);
    try {
      await rejectsWith(reader.readHead("response"), 502);
    } finally {
      reader.release();
    }
  }
});

Deno.test("HttpReader.fill() treats a reset connection as the end of the stream", async () => {
  const reader = new HttpReader({
    read: () => Promise.reject(new Deno.errors.ConnectionReset("reset")),
  });
  try {
    assert.equal(await reader.fill(), false);
    assert.equal(await reader.readHead("request"), null);
  } finally {
    reader.release();
  }
});

Deno.test("HttpReader.maxRead caps each read (max_read_buf); the rest comes in later reads", async () => {
  const body = new Uint8Array(10_000).map((_, i) => i % 251);
  const src = new FakeSource([body]);
  const reader = new HttpReader(src);
  reader.maxRead = 4096;
  const sizes: number[] = [];
  const got: number[] = [];
  while (await reader.fill()) {
    sizes.push(reader.buffered);
    got.push(...reader.view());
    reader.consume(reader.buffered);
  }
  assert.deepEqual(sizes, [4096, 4096, 1808]);
  assert.deepEqual(new Uint8Array(got), body);
  reader.release();
});

Deno.test("HttpReader.watch() read is taken by the next fill(), without a second read", async () => {
  const text = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
  const src = new FakeSource([text]);
  const reader = new HttpReader(src);
  try {
    assert.equal(reader.park(), true);
    const told: boolean[] = [];
    reader.watch((alive) => told.push(alive));
    assert.equal(src.reads, 1);
    assert.equal(reader.watching, true);
    const head = await reader.readHead("request");
    assert.equal(decoder.decode(head!), text);
    assert.equal(src.reads, 1, "the watch read was the request's read");
    assert.equal(reader.watching, false);
    assert.deepEqual(told, [], "a read taken by fill() is not reported");
  } finally {
    reader.release();
  }
});

Deno.test("HttpReader.watch() reports bytes or the end of stream while nobody reads", async () => {
  for (const [chunks, alive] of [[["stray"], true], [[], false]] as const) {
    const src = new FakeSource([...chunks]);
    const reader = new HttpReader(src);
    try {
      const { promise, resolve } = Promise.withResolvers<boolean>();
      reader.watch(resolve);
      assert.equal(await promise, alive);
      // The bytes are not lost: the next fill() still hands them over.
      assert.equal(await reader.fill(), alive);
      if (alive) assert.equal(decoder.decode(reader.view()), "stray");
    } finally {
      reader.release();
    }
  }
});

/** Records the size of each read's buffer. */
class SizedSource extends FakeSource {
  readonly sizes: number[] = [];
  override read(p: Uint8Array): Promise<number | null> {
    this.sizes.push(p.length);
    return super.read(p);
  }
}

Deno.test("HttpReader.fillParked() waits with a small read, then reads into the pooled buffer", async () => {
  const long = `GET / HTTP/1.1\r\nCookie: ${"c".repeat(2000)}\r\n\r\n`;
  const src = new SizedSource([long, "GET /2 HTTP/1.1\r\nHost: h\r\n\r\n"]);
  const reader = new HttpReader(src);
  try {
    assert.equal(await reader.fillParked(), true);
    assert.equal(reader.buffered, 1024, "the first read went into a 1 KiB side buffer");
    const head = await reader.readHead("request");
    assert.equal(decoder.decode(head!), long);
    assert.equal(src.sizes[0], 1024);
    assert.ok(src.sizes[1] > 1024, "the rest of the head is read into the pooled buffer");
    // Nothing buffered: parked again; the next head fits one small read.
    assert.equal(await reader.fillParked(), true);
    assert.equal(parseRequestHead(reader.takeHead("request")!).target, "/2");
    assert.equal(src.sizes[2], 1024);
    assert.equal(await reader.fillParked(), false, "end of stream");
  } finally {
    reader.release();
  }
});

Deno.test("HttpReader.fillParked() is fill() with bytes buffered or a watch pending", async () => {
  const src = new SizedSource(["more", "watched"]);
  const reader = new HttpReader(src, bytes("kept"));
  try {
    assert.equal(await reader.fillParked(), true);
    assert.equal(decoder.decode(reader.view()), "keptmore");
    assert.ok(src.sizes[0] > 1024, "buffered bytes keep the pooled buffer");
    reader.consume(reader.buffered);
    assert.equal(reader.park(), true);
    reader.watch();
    assert.equal(await reader.fillParked(), true);
    assert.equal(decoder.decode(reader.view()), "watched");
    assert.equal(src.reads, 2, "the watch read was taken, not a second one");
  } finally {
    reader.release();
  }
});
