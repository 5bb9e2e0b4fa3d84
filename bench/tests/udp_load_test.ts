import assert from "node:assert/strict";
import { parseUdpLoadReport, runUdpLoad } from "../lib/udp_load.ts";

const REPORT = {
  seconds: 2,
  received: 50_000,
  sent_total: 80_000,
  received_total: 79_960,
  mismatched: 0,
  stalls: 1,
  refused: 0,
};

Deno.test("parseUdpLoadReport() derives the rate from the window and the loss from the totals", () => {
  const result = parseUdpLoadReport(`${JSON.stringify(REPORT)}\n`);
  assert.equal(result.datagramsPerSecond, 25_000);
  assert.equal(result.lossPercent, 0.05);
  assert.equal(result.receivedTotal, 79_960);
  assert.equal(result.stalls, 1);
});

Deno.test("parseUdpLoadReport() names a missing field and rejects text that is not JSON", () => {
  const { stalls: _, ...partial } = REPORT;
  assert.throws(() => parseUdpLoadReport(JSON.stringify(partial)), /no number "stalls"/);
  assert.throws(() => parseUdpLoadReport("Traceback (most recent call last):"), /printed no JSON/);
});

function hasPython(): boolean {
  try {
    return new Deno.Command("python3", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

Deno.test({
  name: "runUdpLoad() counts the replies of a real echo server",
  ignore: !hasPython(),
  fn: testRealEcho,
});

async function testRealEcho(): Promise<void> {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const echoed = (async () => {
    try {
      while (true) {
        const [data, from] = await socket.receive();
        await socket.send(data, from);
      }
    } catch {
      // closed at the end of the test
    }
  })();
  try {
    const port = (socket.addr as Deno.NetAddr).port;
    const result = await runUdpLoad(port, {
      size: 100,
      clients: 2,
      window: 2,
      warmupSeconds: 0.1,
      durationSeconds: 0.3,
    });
    assert.ok(result.received > 0);
    assert.equal(result.mismatched, 0);
    assert.equal(result.receivedTotal, result.sentTotal);
    assert.equal(result.lossPercent, 0);
  } finally {
    socket.close();
    await echoed;
  }
}
