import assert from "node:assert/strict";
import {
  encodeFrameHeader,
  FrameFlag,
  FrameType,
  MuxProtocolError,
} from "../../lib/tunnel/mux/frame.ts";
import { MuxSession } from "../../lib/tunnel/mux/session.ts";
import { muxPair, tcpPair } from "../_support/mux.ts";
import { readToEnd, writeAll } from "../_support/io.ts";
import { concat } from "../_support/bytes.ts";

const GO_AWAY_PROTOCOL_ERROR = [0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];

function header(type: number, flags: number, streamId: number, length: number): Uint8Array {
  const out = new Uint8Array(12);
  encodeFrameHeader({ type: type as 0, flags, streamId, length }, out);
  return out;
}

/** Sends `bytes` to a fresh server session; its end reason and what it sent back. */
async function feed(bytes: Uint8Array): Promise<{ reason: Error | null; reply: Uint8Array }> {
  const [raw, ours] = await tcpPair();
  const session = new MuxSession(ours, { role: "server", keepAliveInterval: 0 });
  const reply = readToEnd(raw, 5000);
  await writeAll(raw, bytes).catch(() => {});
  const reason = await session.closed;
  const got = await reply;
  raw.close();
  return { reason, reply: got };
}

Deno.test("MuxSession closes on garbage with MuxProtocolError and a protocol-error go-away", async () => {
  const other = await muxPair();
  try {
    const { reason, reply } = await feed(new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n"));
    assert.ok(reason instanceof MuxProtocolError, String(reason));
    assert.equal(reason.source, "client");
    assert.match(reason.message, /unsupported version 71/);
    assert.deepEqual([...reply.subarray(-12)], GO_AWAY_PROTOCOL_ERROR);
    // Another session is untouched.
    const s = await other.client.open();
    await s.write(new Uint8Array([1]));
    assert.equal(await (await other.server.accept())!.read(new Uint8Array(4)), 1);
  } finally {
    await other.close();
  }
});

Deno.test("MuxSession closes when a data frame overruns the stream window", async () => {
  const { reason, reply } = await feed(concat(
    header(FrameType.WINDOW_UPDATE, FrameFlag.SYN, 1, 0),
    header(FrameType.DATA, 0, 1, 256 * 1024 + 1),
    new Uint8Array(256 * 1024 + 1),
  ));
  assert.ok(reason instanceof MuxProtocolError, String(reason));
  assert.match(reason.message, /exceeds its window of 262144/);
  assert.deepEqual([...reply.subarray(-12)], GO_AWAY_PROTOCOL_ERROR);
});

Deno.test("MuxSession closes on an oversize frame for an unknown stream without reading it", async () => {
  const { reason } = await feed(header(FrameType.DATA, 0, 7, 0xffffffff));
  assert.ok(reason instanceof MuxProtocolError, String(reason));
  assert.match(reason.message, /exceeds its window/);
});

Deno.test("MuxSession closes on a stream opened twice and on a stream id of its own parity", async () => {
  const twice = await feed(concat(
    header(FrameType.WINDOW_UPDATE, FrameFlag.SYN, 1, 0),
    header(FrameType.WINDOW_UPDATE, FrameFlag.SYN, 1, 0),
  ));
  assert.match(String(twice.reason), /stream 1 opened twice/);
  const parity = await feed(header(FrameType.WINDOW_UPDATE, FrameFlag.SYN, 2, 0));
  assert.match(String(parity.reason), /this side's parity/);
});
