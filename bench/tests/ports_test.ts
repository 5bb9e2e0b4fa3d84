import assert from "node:assert/strict";
import { freeUdpPorts, waitForUdpEcho } from "../lib/ports.ts";

Deno.test("freeUdpPorts() hands out distinct ports", () => {
  const ports = freeUdpPorts(4);
  assert.equal(new Set(ports).size, 4);
});

Deno.test("waitForUdpEcho() returns once a datagram comes back", async () => {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const echoed = (async () => {
    const [data, from] = await socket.receive();
    await socket.send(data, from);
  })();
  try {
    await waitForUdpEcho((socket.addr as Deno.NetAddr).port, { timeoutMs: 2000 });
  } finally {
    await echoed;
    socket.close();
  }
});

Deno.test("waitForUdpEcho() gives up on a port that never answers", async () => {
  const [port] = freeUdpPorts(1);
  await assert.rejects(
    () => waitForUdpEcho(port, { timeoutMs: 250 }),
    /UDP port \d+ echoed nothing within 250 ms/,
  );
});
