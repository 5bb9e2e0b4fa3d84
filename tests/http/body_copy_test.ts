import assert from "node:assert/strict";
import { decoder } from "../_support/bytes.ts";
import { copyBody, copyFixed, copyUntilClose } from "../../lib/http/body_copy.ts";
import { HttpError } from "../../lib/http/errors.ts";
import { HttpReader } from "../../lib/http/reader.ts";
import { bytes, FakeSink, FakeSource } from "./_fake_io.ts";

Deno.test("copyFixed() copies exactly the length and leaves the rest in the reader", async () => {
  const reader = new HttpReader(new FakeSource(["llo wor", "ld!NEXT"]), bytes("he"));
  const sink = new FakeSink(3);
  try {
    assert.equal(await copyFixed(reader, sink, { length: 12 }), 12);
    assert.equal(sink.text, "hello world!");
    assert.equal(decoder.decode(reader.view()), "NEXT");
  } finally {
    reader.release();
  }
});

Deno.test("copyFixed() throws HttpError with the given status when the source ends early", async () => {
  const reader = new HttpReader(new FakeSource(["abc"]));
  try {
    await assert.rejects(
      copyFixed(reader, new FakeSink(), { length: 10, status: 502 }),
      (e) => e instanceof HttpError && e.status === 502 && /3 of 10/.test(e.message),
    );
  } finally {
    reader.release();
  }
});

Deno.test("copyUntilClose() copies everything up to the end of the stream", async () => {
  const big = "x".repeat(200_000);
  const reader = new HttpReader(new FakeSource([big, "end"]), bytes("start"));
  const sink = new FakeSink();
  try {
    assert.equal(await copyUntilClose(reader, sink), 200_008);
    assert.equal(sink.text, `start${big}end`);
  } finally {
    reader.release();
  }
});

Deno.test("copyBody() dispatches on the body length", async () => {
  const run = async (length: Parameters<typeof copyBody>[2]["length"], data: string) => {
    const reader = new HttpReader(new FakeSource([data]));
    const sink = new FakeSink();
    try {
      await copyBody(reader, sink, { length });
      return sink.text;
    } finally {
      reader.release();
    }
  };
  assert.equal(await run({ kind: "none" }, "abc"), "");
  assert.equal(await run({ kind: "length", length: 2 }, "abc"), "ab");
  assert.equal(await run({ kind: "chunked" }, "1\r\na\r\n0\r\n\r\nzz"), "1\r\na\r\n0\r\n\r\n");
  assert.equal(await run({ kind: "close" }, "abc"), "abc");
});

Deno.test("copyBody() lets a write error through unchanged", async () => {
  const reader = new HttpReader(new FakeSource(["abc"]));
  const broken = { write: () => Promise.reject(new Deno.errors.BrokenPipe("gone")) };
  try {
    await assert.rejects(
      copyBody(reader, broken, { length: { kind: "length", length: 3 } }),
      Deno.errors.BrokenPipe,
    );
  } finally {
    reader.release();
  }
});
