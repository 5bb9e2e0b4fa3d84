import assert from "node:assert/strict";
import { parseWsTarget } from "../../lib/ws/target.ts";

Deno.test("parseWsTarget() reads host:port, tcp:// and ws(s):// URLs with their paths", () => {
  assert.deepEqual(parseWsTarget("127.0.0.1:8082"), {
    scheme: null,
    hostname: "127.0.0.1",
    port: 8082,
    addr: "127.0.0.1:8082",
    url: "",
  });
  assert.equal(parseWsTarget("tcp://[::1]:22/")?.addr, "[::1]:22");
  const ws = parseWsTarget("ws://localhost:81/chat?room=1")!;
  assert.deepEqual([ws.scheme, ws.hostname, ws.port, ws.url], [
    "ws",
    "localhost",
    81,
    "ws://localhost:81/chat?room=1",
  ]);
  assert.equal(parseWsTarget("wss://example.com")?.port, 443);
  assert.equal(parseWsTarget("ws://[::1]/")?.addr, "[::1]:80");
});

Deno.test("parseWsTarget() refuses what is not a target", () => {
  for (
    const bad of ["", "nope", "http://a:1", "tcp://a", "ws://", "ws://u:p@a:1/", "127.0.0.1:0"]
  ) {
    assert.equal(parseWsTarget(bad), undefined, bad);
  }
});
