import assert from "node:assert/strict";
import { captureLogs, messageOf } from "../_support/logs.ts";
import type { RunResult } from "../_support/process.ts";
import { startUdpEcho, type UdpTestServer } from "../_support/udp.ts";
import {
  python,
  type Socks5TestProxy,
  startSocks5Proxy,
  UDP_CLIENT_PY,
  UDP_PROBE_PY,
} from "./socks5_harness.ts";

/** Checks the part of the client's output about the second target and the stranger. */
function assertSecondTarget(out: Record<string, unknown>, host: string): void {
  assert.equal(out.second_target_got, "to-second-target", "the payload arrives without header");
  const reply = out.second_target_reply as Record<string, unknown>;
  assert.equal(reply.payload, "from-second-target", "the stranger's datagram was dropped");
  assert.equal(reply.host, host);
}

function parseOutput(res: RunResult): Record<string, unknown> {
  assert.equal(res.code, 0, `python3 failed:\n${res.stderr}`);
  return JSON.parse(res.stdout);
}

/** Asserts the relay socket is gone: a probe gets ICMP port unreachable, and the port binds. */
async function assertRelayClosed(host: string, port: number): Promise<void> {
  const probe = await python(UDP_PROBE_PY, [host, String(port)]);
  assert.equal(probe.stdout.trim(), "refused", probe.stderr);
  const again = Deno.listenDatagram({ transport: "udp", hostname: host, port });
  again.close();
}

async function associate(
  proxy: Socks5TestProxy,
  echo: UdpTestServer,
  mode: "lock-first" | "announce" | "announce-nat",
  host = "127.0.0.1",
): Promise<{ out: Record<string, unknown>; relay: [string, number] }> {
  const out = parseOutput(
    await python(UDP_CLIENT_PY, [host, String(proxy.port), host, String(echo.port), mode]),
  );
  return { out, relay: out.relay as [string, number] };
}

function payloads(out: Record<string, unknown>): string[] {
  return (out.datagrams as { payload: string }[]).map((d) => d.payload);
}

Deno.test("UDP ASSOCIATE relays a python3 client's datagrams to a target and back with headers", async () => {
  const logs = await captureLogs();
  const echo = startUdpEcho("echo:");
  const proxy = startSocks5Proxy();
  try {
    const { out, relay } = await associate(proxy, echo, "lock-first");
    assert.equal(out.reply, 0);
    assert.equal(relay[0], "127.0.0.1", "the relay is on the IP the client connected to");
    assert.notEqual(relay[1], 0);
    assert.deepEqual(out.source, relay, "replies come from the relay address");
    assert.deepEqual(payloads(out), [
      "echo:hello",
      "echo:by-name",
      "echo:after-foreign",
      "echo:after-fragment",
      "echo:after-bad-header",
      "x * 60000",
    ]);
    for (const d of out.datagrams as Record<string, unknown>[]) {
      // the header names the target that answered: the echo, as an IPv4 address
      assert.deepEqual(
        [d.rsv, d.frag, d.atyp, d.host, d.port],
        ["0000", 0, 1, "127.0.0.1", echo.port],
      );
    }
    // The foreign sender, the fragment and the bad header never reached the echo.
    assert.equal(echo.received(), 6);
    assert.equal(echo.peers().size, 1, "one relay socket towards targets");
    assertSecondTarget(out, "127.0.0.1");
    await proxy.settled();
    assert.equal(proxy.tracked(), 0);
    assert.deepEqual(logs.problems(proxy.lastId()), []);
    const debug = logs.records.filter((r) => r.properties.id === proxy.lastId());
    assert.equal(debug.length, 1);
    assert.match(messageOf(debug[0]), /UDP ASSOCIATE 0\.0\.0\.0:0 relay 127\.0\.0\.1:\d+/);
    await assertRelayClosed(relay[0], relay[1]);
  } finally {
    await proxy.close();
    await echo.close();
    await logs.stop();
  }
});

Deno.test("UDP ASSOCIATE with an announced client port drops other ports from the start", async () => {
  const echo = startUdpEcho("echo:");
  const proxy = startSocks5Proxy();
  try {
    const { out, relay } = await associate(proxy, echo, "announce");
    assert.equal(out.reply, 0);
    assert.deepEqual(payloads(out), [
      "echo:hello",
      "echo:by-name",
      "echo:after-foreign",
      "echo:after-fragment",
      "echo:after-bad-header",
      "x * 60000",
    ]);
    assert.equal(echo.received(), 6, "neither foreign datagram reached the echo");
    assertSecondTarget(out, "127.0.0.1");
    await proxy.settled();
    await assertRelayClosed(relay[0], relay[1]);
  } finally {
    await proxy.close();
    await echo.close();
  }
});

Deno.test("UDP ASSOCIATE ignores an announced address that is not the client's own (NAT)", async () => {
  const echo = startUdpEcho("echo:");
  const proxy = startSocks5Proxy();
  try {
    const { out, relay } = await associate(proxy, echo, "announce-nat");
    assert.equal(out.reply, 0);
    assert.equal(payloads(out)[0], "echo:hello", "accepted from the client's real address");
    assert.equal(echo.received(), 6);
    await proxy.settled();
    await assertRelayClosed(relay[0], relay[1]);
  } finally {
    await proxy.close();
    await echo.close();
  }
});

Deno.test("UDP ASSOCIATE works over IPv6: relay on ::1, IPv6 headers", async () => {
  const echo = startUdpEcho("echo:", "::1");
  const proxy = startSocks5Proxy({}, "::1");
  try {
    const { out, relay } = await associate(proxy, echo, "lock-first", "::1");
    assert.equal(out.reply, 0);
    assert.equal(relay[0], "::1");
    assert.deepEqual(payloads(out), [
      "echo:hello",
      "echo:after-foreign",
      "echo:after-fragment",
      "echo:after-bad-header",
      "x * 60000",
    ]);
    for (const d of out.datagrams as Record<string, unknown>[]) {
      assert.deepEqual([d.atyp, d.host, d.port], [4, "::1", echo.port]);
    }
    assert.equal(echo.received(), 5);
    assertSecondTarget(out, "::1");
    await proxy.settled();
    await assertRelayClosed("::1", relay[1]);
  } finally {
    await proxy.close();
    await echo.close();
  }
});

Deno.test("UDP ASSOCIATE ends and closes the control connection after idleTimeout", async () => {
  const echo = startUdpEcho();
  const proxy = startSocks5Proxy({ idleTimeout: 300 });
  try {
    const out = parseOutput(
      await python(UDP_CLIENT_PY, ["127.0.0.1", String(proxy.port), "127.0.0.1", "9", "idle"]),
    );
    assert.equal(out.reply, 0);
    assert.equal(out.eof, true);
    await proxy.settled();
    const relay = out.relay as [string, number];
    await assertRelayClosed(relay[0], relay[1]);
  } finally {
    await proxy.close();
    await echo.close();
  }
});
