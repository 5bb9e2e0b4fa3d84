import assert from "node:assert/strict";
import { MuxError } from "../../lib/tunnel/mux/errors.ts";
import type { MuxStream } from "../../lib/tunnel/mux/stream.ts";
import { decoder, encoder } from "../_support/bytes.ts";
import { muxPair } from "../_support/mux.ts";

/** Reads until `length` bytes came, as text. */
async function readText(stream: MuxStream, length: number): Promise<string> {
  const buf = new Uint8Array(64);
  let text = "";
  while (text.length < length) {
    const n = await stream.read(buf);
    if (n === null) break;
    text += decoder.decode(buf.subarray(0, n));
  }
  return text;
}

Deno.test("MuxStream.readLazy takes a buffer only once bytes arrive, once per read", async () => {
  const pair = await muxPair();
  try {
    const a = await pair.client.open();
    await a.write(encoder.encode("hi"));
    const b = (await pair.server.accept())!;
    assert.equal(await readText(b, 2), "hi");

    let takes = 0;
    const buf = new Uint8Array(64);
    const reading = b.readLazy(() => {
      takes++;
      return buf;
    });
    // Frames go both ways meanwhile; nothing for this stream, so no buffer is taken.
    await pair.client.ping();
    await pair.server.ping();
    assert.equal(takes, 0);

    a.write(encoder.encode("ab"));
    a.write(encoder.encode("cd"));
    await a.write(encoder.encode("ef"));
    const n = await reading;
    assert.equal(takes, 1);
    assert.ok(n !== null && n >= 2);
    const text = decoder.decode(buf.subarray(0, n)) + await readText(b, 6 - n);
    assert.equal(text, "abcdef");
  } finally {
    await pair.close();
  }
});

Deno.test("MuxStream: a second read waits behind a pending one, each gets its own bytes", async () => {
  const pair = await muxPair();
  try {
    const a = await pair.client.open();
    await a.write(encoder.encode("0"));
    const b = (await pair.server.accept())!;
    assert.equal(await readText(b, 1), "0");
    const first = new Uint8Array(8);
    const second = new Uint8Array(8);
    const p1 = b.read(first);
    const p2 = b.readLazy(() => second);
    await a.write(encoder.encode("one"));
    assert.equal(await p1, 3);
    assert.equal(decoder.decode(first.subarray(0, 3)), "one");
    await a.write(encoder.encode("two"));
    assert.equal(await p2, 3);
    assert.equal(decoder.decode(second.subarray(0, 3)), "two");
  } finally {
    await pair.close();
  }
});

Deno.test("MuxStream.readLazy ends with null at FIN and fails on RST without taking a buffer", async () => {
  const pair = await muxPair();
  try {
    let takes = 0;
    const take = () => {
      takes++;
      return new Uint8Array(8);
    };
    const a = await pair.client.open();
    await a.write(encoder.encode("x"));
    const b = (await pair.server.accept())!;
    assert.equal(await readText(b, 1), "x");
    const ending = b.readLazy(take);
    await a.closeWrite();
    assert.equal(await ending, null);

    const c = await pair.client.open();
    await c.write(encoder.encode("y"));
    const d = (await pair.server.accept())!;
    assert.equal(await readText(d, 1), "y");
    const reset = d.readLazy(take);
    c.close();
    await assert.rejects(reset, (e) => e instanceof MuxError && e.kind === "reset");
    assert.equal(takes, 0);
  } finally {
    await pair.close();
  }
});
