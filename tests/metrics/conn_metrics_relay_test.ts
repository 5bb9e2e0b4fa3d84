import assert from "node:assert/strict";
import { attachListener, inheritListener } from "../../lib/metrics/conn_metrics.ts";
import { listenerMetrics } from "../../lib/metrics/families.ts";
import { type Duplex, relay } from "../../lib/net/relay.ts";

const LOOPBACK = "127.0.0.1";
const SIZE = 300_000;

/** Sends SIZE bytes through a relay from an accepted (attached) connection to an echo server. */
async function relayThrough(name: string, wrap: (conn: Deno.Conn) => Duplex): Promise<void> {
  const echo = Deno.listen({ hostname: LOOPBACK, port: 0 });
  const front = Deno.listen({ hostname: LOOPBACK, port: 0 });
  const echoing = (async () => {
    const c = await echo.accept();
    await c.readable.pipeTo(c.writable);
  })();
  const relaying = (async () => {
    const client = await front.accept();
    attachListener(client, listenerMetrics(name));
    const upstream = await Deno.connect({ hostname: LOOPBACK, port: echo.addr.port });
    return await relay(wrap(client), upstream);
  })();
  const conn = await Deno.connect({ hostname: LOOPBACK, port: front.addr.port });
  const data = new Uint8Array(SIZE).fill(7);
  const writing = conn.write(data).then(async (n) => {
    let off = n;
    while (off < SIZE) off += await conn.write(data.subarray(off));
    await conn.closeWrite();
  });
  let got = 0;
  const buf = new Uint8Array(65536);
  while (true) {
    const n = await conn.read(buf);
    if (n === null) break;
    got += n;
  }
  await writing;
  conn.close();
  const result = await relaying;
  await echoing;
  echo.close();
  front.close();
  assert.equal(got, SIZE);
  assert.equal(result.sent, SIZE);
}

Deno.test("relay counts an attached connection's bytes exactly once into its listener", async () => {
  const m = listenerMetrics("relay_direct");
  await relayThrough("relay_direct", (c) => c);
  assert.equal(m.received.value, SIZE);
  assert.equal(m.sent.value, SIZE);
});

Deno.test("relay through a wrapper that inherited the listener counts once too", async () => {
  const m = listenerMetrics("relay_wrapped");
  await relayThrough("relay_wrapped", (c) => {
    const wrapper: Duplex = {
      read: (p) => c.read(p),
      write: (p) => c.write(p),
      closeWrite: () => c.closeWrite(),
      close: () => c.close(),
    };
    inheritListener(c, wrapper);
    return wrapper;
  });
  assert.equal(m.received.value, SIZE);
  assert.equal(m.sent.value, SIZE);
});
