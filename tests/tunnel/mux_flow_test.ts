import assert from "node:assert/strict";
import { INITIAL_STREAM_WINDOW } from "../../lib/tunnel/mux/frame.ts";
import { countStream, muxPair, readStream } from "../_support/mux.ts";

Deno.test("MuxSession flow control: a stalled stream holds one window while another moves 64 MiB", async () => {
  const pair = await muxPair();
  try {
    const stalled = await pair.client.open();
    const stalledPeer = (await pair.server.accept())!;
    // Nobody reads stalledPeer: this writer fills its window and then waits.
    let stalledWritten = 0;
    const chunk = new Uint8Array(64 * 1024);
    const stalledWriter = (async () => {
      while (true) {
        await stalled.write(chunk);
        stalledWritten += chunk.length;
      }
    })().catch(() => {});

    const fast = await pair.client.open();
    const fastPeer = (await pair.server.accept())!;
    const total = 64 * 1024 * 1024;
    const counted = countStream(fastPeer);
    const big = new Uint8Array(256 * 1024);
    for (let sent = 0; sent < total; sent += big.length) await fast.write(big);
    await fast.closeWrite();
    assert.equal(await counted, total);

    assert.ok(stalledWritten <= INITIAL_STREAM_WINDOW, `${stalledWritten} bytes left the writer`);
    assert.ok(stalledPeer.stats.buffered <= INITIAL_STREAM_WINDOW);
    assert.equal(
      stalledPeer.stats.buffered + stalledPeer.stats.receiveWindow,
      INITIAL_STREAM_WINDOW,
    );
    assert.equal(stalled.stats.sendWindow, 0);
    assert.ok(pair.server.stats.buffered <= INITIAL_STREAM_WINDOW);

    // Reading the stalled stream lets its writer go on.
    const before = stalledWritten;
    const buf = new Uint8Array(INITIAL_STREAM_WINDOW);
    let read = 0;
    while (stalledWritten === before) read += (await stalledPeer.read(buf))!;
    assert.ok(read >= INITIAL_STREAM_WINDOW / 2);
    stalled.close();
    await stalledWriter;
  } finally {
    await pair.close();
  }
});

Deno.test("MuxStream writes not awaited, then closeWrite: bytes arrive in order before the EOF", async () => {
  const pair = await muxPair();
  try {
    const stream = await pair.client.open();
    await stream.write(new Uint8Array([1]));
    const peer = (await pair.server.accept())!;
    const reading = readStream(peer);
    // Small writes queue behind large ones that wait for window.
    const sizes: number[] = [];
    const writes: Promise<number>[] = [];
    for (let i = 0; i < 60; i++) {
      const size = i % 10 === 0 ? 300 * 1024 : 1 + (i * 37) % 1500;
      sizes.push(size);
      writes.push(stream.write(new Uint8Array(size).fill(i)));
      if (i % 10 === 0) await writes.at(-1);
    }
    const closing = stream.closeWrite();
    const received = await reading;
    await Promise.all([...writes, closing]);
    const expected = new Uint8Array(1 + sizes.reduce((a, b) => a + b));
    expected[0] = 1;
    let at = 1;
    sizes.forEach((size, i) => expected.fill(i, at, at += size));
    assert.equal(received.length, expected.length);
    assert.ok(received.every((byte, i) => byte === expected[i]), "bytes out of order");
  } finally {
    await pair.close();
  }
});

Deno.test("MuxStream reads smaller than the frames get every byte across reads", async () => {
  const pair = await muxPair();
  try {
    const stream = await pair.client.open();
    const data = new Uint8Array(100_000).map((_, i) => i * 7);
    await stream.write(data);
    await stream.closeWrite();
    const peer = (await pair.server.accept())!;
    const got: number[] = [];
    const small = new Uint8Array(333);
    while (true) {
      const n = await peer.read(small);
      if (n === null) break;
      got.push(...small.subarray(0, n));
    }
    assert.deepEqual(new Uint8Array(got), data);
  } finally {
    await pair.close();
  }
});

Deno.test("MuxSession maxStreamWindow: a bulk stream's window grows, a stalled one keeps the first", async () => {
  const max = 4 * INITIAL_STREAM_WINDOW;
  const pair = await muxPair({ maxStreamWindow: max });
  try {
    const stalled = await pair.client.open();
    const stalledPeer = (await pair.server.accept())!;
    let stalledWritten = 0;
    const stalledWriter = (async () => {
      const chunk = new Uint8Array(64 * 1024);
      while (true) {
        await stalled.write(chunk);
        stalledWritten += chunk.length;
      }
    })().catch(() => {});

    const fast = await pair.client.open();
    const fastPeer = (await pair.server.accept())!;
    const total = 32 * 1024 * 1024;
    const counted = countStream(fastPeer);
    const big = new Uint8Array(256 * 1024);
    let widest = 0;
    for (let sent = 0; sent < total; sent += big.length) {
      await fast.write(big);
      widest = Math.max(widest, fast.stats.sendWindow);
    }
    await fast.closeWrite();
    assert.equal(await counted, total);
    assert.ok(widest > INITIAL_STREAM_WINDOW, `the send window stayed at ${widest}`);
    assert.ok(widest <= max);

    assert.ok(stalledWritten <= INITIAL_STREAM_WINDOW, `${stalledWritten} bytes left the writer`);
    assert.equal(
      stalledPeer.stats.buffered + stalledPeer.stats.receiveWindow,
      INITIAL_STREAM_WINDOW,
    );
    stalled.close();
    await stalledWriter;
  } finally {
    await pair.close();
  }
});

Deno.test("MuxSession windowGrowthBudget: streams grow only while the session's budget has room", async () => {
  const max = 4 * INITIAL_STREAM_WINDOW;
  // Room for one stream to grow to 2× the first window, not to 4×.
  const pair = await muxPair({ maxStreamWindow: max, windowGrowthBudget: INITIAL_STREAM_WINDOW });
  try {
    const widest = async () => {
      const stream = await pair.client.open();
      const peer = (await pair.server.accept())!;
      const total = 16 * 1024 * 1024;
      const counted = countStream(peer);
      const big = new Uint8Array(256 * 1024);
      let wide = 0;
      for (let sent = 0; sent < total; sent += big.length) {
        await stream.write(big);
        wide = Math.max(wide, stream.stats.sendWindow);
      }
      await stream.closeWrite();
      assert.equal(await counted, total);
      stream.close();
      return wide;
    };
    const first = await widest();
    assert.ok(first > INITIAL_STREAM_WINDOW, `the first stream stayed at ${first}`);
    assert.ok(first <= 2 * INITIAL_STREAM_WINDOW, `the first stream grew to ${first}`);
    // The first stream gave its growth back when it ended: the next one may grow as well.
    const second = await widest();
    assert.ok(second > INITIAL_STREAM_WINDOW, `the second stream stayed at ${second}`);
  } finally {
    await pair.close();
  }
});
