import assert from "node:assert/strict";
import { INITIAL_STREAM_WINDOW } from "../../lib/tunnel/mux/frame.ts";
import { countStream, muxPair } from "../_support/mux.ts";

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
