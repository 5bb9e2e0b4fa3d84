import assert from "node:assert/strict";
import { MuxError } from "../../lib/tunnel/mux/errors.ts";
import { echoStream, muxPair, readStream, writeChunks } from "../_support/mux.ts";
import { encoder, randomBytes } from "../_support/bytes.ts";

Deno.test("MuxSession.open() and accept() carry bytes both ways with odd and even ids", async () => {
  const pair = await muxPair();
  try {
    const a = await pair.client.open();
    await a.write(encoder.encode("hello"));
    const b = (await pair.server.accept())!;
    assert.equal(a.id, 1);
    assert.equal(b.id, 1);
    const buf = new Uint8Array(16);
    assert.equal(await b.read(buf), 5);
    await b.write(encoder.encode("world!"));
    assert.equal(await a.read(buf), 6);

    const c = await pair.server.open();
    const d = (await pair.client.accept())!;
    assert.equal(c.id, 2);
    await c.write(encoder.encode("x"));
    assert.equal(await d.read(buf), 1);
    // Each stream counts the bytes its user read and the bytes it sent.
    assert.deepEqual([a.stats.written, a.stats.read, b.stats.written, b.stats.read], [5, 6, 6, 5]);
  } finally {
    await pair.close();
  }
});

Deno.test("MuxSession carries 1000 concurrent streams on one session, each byte-exact", async () => {
  const pair = await muxPair();
  try {
    const echoes: Promise<void>[] = [];
    const acceptLoop = (async () => {
      for (let s = await pair.server.accept(); s; s = await pair.server.accept()) {
        echoes.push(echoStream(s));
      }
    })();
    const results = await Promise.all(Array.from({ length: 1000 }, async (_, i) => {
      const data = randomBytes(1000 + i * 7);
      const stream = await pair.client.open();
      const reply = readStream(stream);
      await stream.write(data);
      await stream.closeWrite();
      assert.deepEqual(await reply, data);
      stream.close();
    }));
    assert.equal(results.length, 1000);
    await Promise.all(echoes);
    await pair.server.goAway();
    await acceptLoop;
    await pair.client.idle();
    await pair.server.idle();
    assert.equal(pair.client.stats.streams, 0);
    assert.equal(pair.server.stats.streams, 0);
  } finally {
    await pair.close();
  }
});

Deno.test("MuxStream.closeWrite() half-closes: the peer reads EOF and can still answer", async () => {
  const pair = await muxPair();
  try {
    const a = await pair.client.open();
    await a.write(encoder.encode("request"));
    await a.closeWrite();
    const b = (await pair.server.accept())!;
    assert.equal(new TextDecoder().decode(await readStream(b)), "request");
    const answer = readStream(a);
    await writeChunks(b, randomBytes(1 << 20));
    await b.closeWrite();
    assert.equal((await answer).length, 1 << 20);
    await assert.rejects(a.write(encoder.encode("late")), (e) => e instanceof MuxError);
    a.close();
    b.close();
    await pair.client.idle();
    await pair.server.idle();
  } finally {
    await pair.close();
  }
});

Deno.test("MuxStream.close() before the end resets: the peer's read and write fail with reset", async () => {
  const pair = await muxPair();
  try {
    const a = await pair.client.open();
    await a.write(encoder.encode("x"));
    const b = (await pair.server.accept())!;
    a.close();
    const buf = new Uint8Array(8);
    // The byte sent before the reset may or may not be read; the reset comes next.
    await assert.rejects(
      (async () => {
        while (true) if ((await b.read(buf)) === null) return;
      })(),
      (e) => e instanceof MuxError && e.kind === "reset",
    );
    await assert.rejects(b.write(encoder.encode("y")), (e) => e instanceof MuxError);
    await pair.server.idle();
    assert.equal(pair.server.stats.streams, 0);
  } finally {
    await pair.close();
  }
});

Deno.test("MuxSession.goAway() refuses new streams while open ones finish", async () => {
  const pair = await muxPair();
  try {
    const a = await pair.client.open();
    const b = (await pair.server.accept())!;
    await pair.server.goAway();
    assert.equal(await pair.server.accept(), null);
    await assert.rejects(pair.server.open(), (e) => e instanceof MuxError && e.kind === "go_away");
    // The client learns of the go-away from the frame; the open stream still works both ways.
    await a.write(encoder.encode("still"));
    const buf = new Uint8Array(8);
    assert.equal(await b.read(buf), 5);
    await assert.rejects(
      (async () => {
        while (true) await pair.client.open().then((s) => s.close());
      })(),
      (e) => e instanceof MuxError && e.kind === "go_away",
    );
    const answer = readStream(a);
    await writeChunks(b, randomBytes(300_000));
    await b.closeWrite();
    await a.closeWrite();
    assert.equal((await answer).length, 300_000);
    assert.equal((await readStream(b)).length, 0);
    await pair.server.idle();
    assert.equal(pair.server.stats.streams, 0);
  } finally {
    await pair.close();
  }
});

Deno.test("MuxSession.close() fails open streams and accept() returns null", async () => {
  const pair = await muxPair();
  const a = await pair.client.open();
  const pending = a.read(new Uint8Array(8));
  pair.client.close();
  await assert.rejects(pending, (e) => e instanceof MuxError && e.kind === "session_closed");
  assert.equal(await pair.client.closed, null);
  assert.equal(await pair.client.accept(), null);
  assert.equal(await pair.server.closed, null);
  await assert.rejects(pair.server.open(), (e) => e instanceof MuxError);
  await pair.close();
});
