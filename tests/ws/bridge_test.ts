import assert from "node:assert/strict";
import { bridge, type BridgeResult } from "../../lib/ws/bridge.ts";
import { openWebSocket } from "../../lib/ws/connect.ts";
import { encoder } from "../_support/bytes.ts";
import { readExactly, writeAll } from "../_support/io.ts";

/** A WebSocket server whose sockets the test drives, and a TCP pair for the bridge's side. */
async function setup() {
  let serverSide!: (ws: WebSocket) => void;
  const accepted = new Promise<WebSocket>((r) => serverSide = r);
  let host = "";
  const ac = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} },
    (req) => {
      host = req.headers.get("host") ?? "";
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
  return {
    port: server.addr.port,
    accepted,
    host: () => host,
    client,
    inner,
    close: () => (ac.abort(), server.finished),
  };
}

Deno.test("bridge() turns TCP bytes into binary messages and messages (text as UTF-8) into bytes", async () => {
  const s = await setup();
  const ws = await openWebSocket(`ws://127.0.0.1:${s.port}/`);
  const done = bridge(ws, s.inner);
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
  // The TCP side ends: the WebSocket is closed, then the bridge resolves.
  const closed = new Promise((r) => peer.onclose = r);
  s.client.close();
  const r: BridgeResult = await done;
  await closed;
  assert.deepEqual([r.reason, r.sent, r.received], ["tcp_eof", 8, 9]);
  await s.close();
});

Deno.test("bridge() closes TCP after writing what arrived when the WebSocket closes", async () => {
  const s = await setup();
  const ws = await openWebSocket(`ws://127.0.0.1:${s.port}/`);
  const done = bridge(ws, s.inner);
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

Deno.test("bridge() stops reading TCP while bufferedAmount is over the high-water mark", async () => {
  const s = await setup();
  const ws = await openWebSocket(`ws://127.0.0.1:${s.port}/`);
  const hwm = 256 * 1024;
  let peak = 0;
  const send = ws.send.bind(ws);
  ws.send = (data) => {
    send(data);
    peak = Math.max(peak, ws.bufferedAmount);
  };
  const done = bridge(ws, s.inner, { highWaterMark: hwm });
  const peer = await s.accepted;
  // Loopback TCP delivers faster than frames go out: without the pause the queue grows to MiBs.
  let received = 0;
  const total = 32 * 1024 * 1024;
  const writer = writeAll(s.client, new Uint8Array(total)).catch(() => {});
  const all = new Promise<void>((resolve) => {
    peer.onmessage = (e) => {
      received += (e.data as ArrayBuffer).byteLength;
      if (received === total) resolve();
    };
  });
  await all;
  await writer;
  // One read (64 KiB) may go out after the mark was crossed, never an unbounded queue.
  assert.ok(peak <= hwm + 64 * 1024, `bufferedAmount reached ${peak}`);
  s.client.close();
  await done;
  await s.close();
});

Deno.test("bridge() gives up (overflow) when messages outrun a TCP side that does not read", async () => {
  const s = await setup();
  const ws = await openWebSocket(`ws://127.0.0.1:${s.port}/`);
  const done = bridge(ws, s.inner, { maxPending: 1024 * 1024 });
  const peer = await s.accepted;
  const closed = new Promise((r) => peer.onclose = r);
  const chunk = new Uint8Array(256 * 1024);
  // s.client never reads: kernel buffers fill, then the bridge's queue passes 1 MiB.
  const sending = setInterval(() => peer.readyState === WebSocket.OPEN && peer.send(chunk), 1);
  const r = await done;
  clearInterval(sending);
  await closed;
  assert.equal(r.reason, "overflow");
  s.client.close();
  await s.close();
});

Deno.test("openWebSocket() sends domain as Host for a ws:// IP target", async () => {
  const s = await setup();
  const ws = await openWebSocket(`ws://127.0.0.1:${s.port}/`, { domain: "ws.example" });
  assert.equal(s.host(), `ws.example:${s.port}`);
  ws.close();
  (await s.accepted).close();
  s.client.close();
  s.inner.close();
  await s.close();
});
