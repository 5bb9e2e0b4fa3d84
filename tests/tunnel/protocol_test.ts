import assert from "node:assert/strict";
import {
  encodeMessage,
  MAX_MESSAGE_BYTES,
  MessageReader,
  TunnelMessageError,
  writeMessage,
} from "../../lib/tunnel/protocol/codec.ts";
import { parseMessage, TUNNEL_VERSION } from "../../lib/tunnel/protocol/messages.ts";

/** A connected loopback pair: what one side writes, the other reads. */
async function pair(): Promise<{ a: Deno.TcpConn; b: Deno.TcpConn; close: () => void }> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  const a = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  const b = await accepted;
  listener.close();
  return {
    a,
    b,
    close: () => {
      for (const c of [a, b]) {
        try {
          c.close();
        } catch {
          // closed by the test
        }
      }
    },
  };
}

Deno.test("tunnel messages: hello and welcome cross a socket, bytes after them are kept", async () => {
  const { a, b, close } = await pair();
  try {
    const hello = {
      type: "hello",
      version: TUNNEL_VERSION,
      username: "wmproxy",
      password: "secret",
      mappings: [
        { name: "web", mode: "http", domains: ["localhost", "*.example.test"] },
        { name: "ssh", mode: "tcp", domains: [], remoteBind: "127.0.0.1:6022" },
      ],
    };
    const raw = new TextEncoder().encode("raw bytes after");
    // One write holding a message and the start of raw data, split reads on the other side.
    const bytes = new Uint8Array([...encodeMessage(hello), ...raw]);
    for (let i = 0; i < bytes.length; i += 7) await a.write(bytes.subarray(i, i + 7));
    const reader = new MessageReader(b);
    const first = await reader.next();
    assert.ok(first);
    assert.deepEqual(parseMessage(first), hello);
    let rest = reader.rest();
    while (rest.length < raw.length) {
      const buf = new Uint8Array(64);
      const n = await b.read(buf);
      assert.ok(n !== null);
      rest = new Uint8Array([...rest, ...buf.subarray(0, n)]);
    }
    assert.equal(new TextDecoder().decode(rest), "raw bytes after");

    await writeMessage(b, { type: "welcome", version: 1, session: "s1", refused: [] });
    a.closeWrite();
    const back = new MessageReader(a);
    const welcome = await back.next();
    assert.ok(welcome);
    assert.deepEqual(parseMessage(welcome), {
      type: "welcome",
      version: 1,
      session: "s1",
      refused: [],
    });
  } finally {
    close();
  }
});

Deno.test("tunnel messages: a clean end before a message is null, inside one an error", async () => {
  const { a, b, close } = await pair();
  try {
    await a.write(encodeMessage({ type: "denied" }).subarray(0, 6));
    a.closeWrite();
    await assert.rejects(() => new MessageReader(b).next(), TunnelMessageError);
  } finally {
    close();
  }
  const second = await pair();
  try {
    second.a.closeWrite();
    assert.equal(await new MessageReader(second.b).next(), null);
  } finally {
    second.close();
  }
});

Deno.test("tunnel messages: oversize, non-JSON and untyped frames are refused", async () => {
  const frames: Uint8Array[] = [];
  const big = new Uint8Array(4);
  new DataView(big.buffer).setUint32(0, MAX_MESSAGE_BYTES + 1);
  frames.push(big);
  const junk = new TextEncoder().encode("not json");
  const frame = new Uint8Array(4 + junk.length);
  new DataView(frame.buffer).setUint32(0, junk.length);
  frame.set(junk, 4);
  frames.push(frame);
  const untyped = new TextEncoder().encode('{"kind":1}');
  const frame2 = new Uint8Array(4 + untyped.length);
  new DataView(frame2.buffer).setUint32(0, untyped.length);
  frame2.set(untyped, 4);
  frames.push(frame2);
  for (const f of frames) {
    const { a, b, close } = await pair();
    try {
      await a.write(f);
      await assert.rejects(() => new MessageReader(b).next(), TunnelMessageError);
    } finally {
      close();
    }
  }
  assert.throws(
    () => encodeMessage({ type: "denied", reason: "x".repeat(MAX_MESSAGE_BYTES) } as never),
    TunnelMessageError,
  );
});

Deno.test("tunnel messages: parseMessage names the wrong field", () => {
  assert.throws(
    () => parseMessage({ type: "hello", version: 1, username: "u", password: 5 }),
    /password is not a string/,
  );
  assert.throws(
    () =>
      parseMessage({
        type: "mappings",
        mappings: [{ name: "x", mode: "udp", domains: [] }],
      }),
    /mappings\[0\]\.mode "udp" is unknown/,
  );
  assert.throws(() => parseMessage({ type: "nope" }), /unknown message type "nope"/);
  assert.deepEqual(parseMessage({ type: "open", mapping: "web", peer: "1.2.3.4:5" }), {
    type: "open",
    mapping: "web",
    peer: "1.2.3.4:5",
  });
});
