import assert from "node:assert/strict";
import {
  decodeFrameHeader,
  encodeFrameHeader,
  FrameFlag,
  FrameType,
  MuxProtocolError,
} from "../../lib/tunnel/mux/frame.ts";

Deno.test("encodeFrameHeader() writes the 12-byte big-endian header decodeFrameHeader() reads", () => {
  const out = new Uint8Array(12);
  const header = {
    type: FrameType.DATA,
    flags: FrameFlag.SYN | FrameFlag.FIN,
    streamId: 0xfffffffe,
    length: 0x01020304,
  };
  encodeFrameHeader(header, out);
  assert.deepEqual([...out], [0, 0, 0, 5, 0xff, 0xff, 0xff, 0xfe, 1, 2, 3, 4]);
  assert.deepEqual(decodeFrameHeader(out), header);
});

Deno.test("decodeFrameHeader() rejects unknown versions, types and flags", () => {
  const cases: [number[], RegExp][] = [
    [[1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0], /unsupported version 1/],
    [[0, 4, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0], /unknown frame type 4/],
    [[0, 0, 0, 0x10, 0, 0, 0, 1, 0, 0, 0, 0], /unknown flags 0x10/],
    [[0, 2, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0], /on stream 1 \(must be 0\)/],
    [[0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0], /on stream 0/],
  ];
  for (const [bytes, message] of cases) {
    assert.throws(() => decodeFrameHeader(new Uint8Array(bytes), "upstream"), (error) => {
      assert.ok(error instanceof MuxProtocolError);
      assert.equal(error.protocol, "yamux");
      assert.equal(error.source, "upstream");
      assert.match(error.message, message);
      return true;
    });
  }
});
