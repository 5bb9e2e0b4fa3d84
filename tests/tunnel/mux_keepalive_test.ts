import assert from "node:assert/strict";
import { MuxError } from "../../lib/tunnel/mux/errors.ts";
import { MuxSession } from "../../lib/tunnel/mux/session.ts";
import { muxPair, tcpPair } from "../_support/mux.ts";

Deno.test("MuxSession keepalive closes the session when the peer stops answering pings", async () => {
  const [ours, silent] = await tcpPair();
  // The silent peer reads (so our writes never block) but never answers.
  const drain = (async () => {
    const buf = new Uint8Array(1024);
    while ((await silent.read(buf).catch(() => null)) !== null) { /* discard */ }
  })();
  const started = performance.now();
  const session = new MuxSession(ours, {
    role: "client",
    keepAliveInterval: 100,
    keepAliveTimeout: 300,
  });
  const reason = await session.closed;
  const elapsed = performance.now() - started;
  assert.ok(reason instanceof MuxError && reason.kind === "keepalive_timeout", String(reason));
  // Dead once silent for the timeout (nothing ever came), not an interval later.
  assert.ok(elapsed >= 295 && elapsed < 2000, `closed after ${elapsed} ms`);
  silent.close();
  await drain;
});

Deno.test("MuxSession keepalive pings are answered and measure the round-trip time", async () => {
  const pair = await muxPair({ keepAliveInterval: 20, keepAliveTimeout: 1000 });
  try {
    assert.equal(pair.client.rtt, null);
    const rtt = await pair.client.ping();
    assert.ok(rtt >= 0 && rtt < 1000);
    assert.equal(typeof pair.client.rtt, "number");
    assert.equal(pair.client.isClosed, false);
  } finally {
    await pair.close();
  }
});
