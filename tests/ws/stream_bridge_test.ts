import assert from "node:assert/strict";
import type { BridgeResult } from "../../lib/ws/bridge.ts";
import { openWebSocketStream } from "../../lib/ws/connect.ts";
import { bridgeStream } from "../../lib/ws/stream_bridge.ts";
import { encoder } from "../_support/bytes.ts";
import { readExactly, writeAll } from "../_support/io.ts";

/** A WebSocket server whose sockets the test drives, and a TCP pair for the bridge's side. */
async function setup() {
  let serverSide!: (ws: WebSocket) => void;
  const accepted = new Promise<WebSocket>((r) => serverSide = r);
  const ac = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} },
    (req) => {
      const { socket, response } = Deno.upgradeWebSocket(req);
      socket.binaryType = "arraybuffer";
      serverSide(socket);
      return response;
    },
  );
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const [client, inner] = await Promise.all([
    Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
    listener.accept(),
  ]);
  listener.close();
  const { ws, opened } = await openWebSocketStream(`ws://127.0.0.1:${server.addr.port}/`);
  return { accepted, client, inner, ws, opened, close: () => (ac.abort(), server.finished) };
}

Deno.test("bridgeStream() turns TCP bytes into binary messages and messages (text as UTF-8) into bytes", async () => {
  const s = await setup();
  const done = bridgeStream(s.ws, s.opened, s.inner);
  const peer = await s.accepted;
  const first = new Promise<unknown>((r) => peer.onmessage = (e) => r(e.data));
  await writeAll(s.client, encoder.encode("from tcp"));
  const got = await first;
  assert.ok(got instanceof ArrayBuffer, "a binary message");
  assert.equal(new TextDecoder().decode(got as ArrayBuffer), "from tcp");
  peer.send("héllo");
  peer.send(new Uint8Array([1, 2, 3]));
  assert.deepEqual(
    await readExactly(s.client, 9),
    new Uint8Array([...encoder.encode("héllo"), 1, 2, 3]),
  );
  // The TCP side ends: the WebSocket is closed (code 1000), then the bridge resolves.
  const closed = new Promise<CloseEvent>((r) => peer.onclose = r);
  s.client.close();
  const r: BridgeResult = await done;
  assert.equal((await closed).code, 1000);
  assert.deepEqual([r.reason, r.sent, r.received], ["tcp_eof", 8, 9]);
  await s.close();
});

Deno.test("bridgeStream() closes TCP after writing what arrived when the WebSocket closes", async () => {
  const s = await setup();
  const done = bridgeStream(s.ws, s.opened, s.inner);
  const peer = await s.accepted;
  peer.send(new Uint8Array(100_000).fill(7));
  peer.close();
  const got = await readExactly(s.client, 100_000);
  assert.ok(got.every((b) => b === 7));
  assert.equal(await s.client.read(new Uint8Array(1)), null);
  assert.equal((await done).reason, "ws_close");
  s.client.close();
  await s.close();
});

Deno.test("bridgeStream() closes both sides when nothing moves for idleTimeout", async () => {
  const s = await setup();
  const done = bridgeStream(s.ws, s.opened, s.inner, { idleTimeout: 50 });
  const peer = await s.accepted;
  const closed = new Promise<CloseEvent>((r) => peer.onclose = r);
  assert.equal((await done).reason, "idle");
  assert.equal(await s.client.read(new Uint8Array(1)), null);
  assert.equal((await closed).reason, "idle");
  s.client.close();
  await s.close();
});
