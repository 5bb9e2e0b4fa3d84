import assert from "node:assert/strict";
import {
  isOkStatusLine,
  probeHttpProxy,
  probeSocks5,
  socks5ConnectRequest,
} from "../lib/proxy_probe.ts";
import { startFakeHttpProxy, startFakeSocks5 } from "./_fake_proxies.ts";

Deno.test("socks5ConnectRequest() asks for 127.0.0.1 by IPv4 with the port big-endian", () => {
  assert.deepEqual([...socks5ConnectRequest(0x1f90)], [5, 1, 0, 1, 127, 0, 0, 1, 0x1f, 0x90]);
});

Deno.test("isOkStatusLine() accepts HTTP/1.x 200 only", () => {
  assert.ok(isOkStatusLine("HTTP/1.1 200 OK"));
  assert.ok(isOkStatusLine("HTTP/1.0 200"));
  assert.ok(!isOkStatusLine("HTTP/1.1 2000 OK"));
  assert.ok(!isOkStatusLine("HTTP/1.1 403 Forbidden"));
});

Deno.test("probeSocks5() passes when a 200 comes back through the tunnel", async () => {
  const proxy = startFakeSocks5();
  try {
    await probeSocks5(proxy.port, 80);
  } finally {
    await proxy.close();
  }
});

Deno.test("probeSocks5() names the CONNECT reply code a proxy refused with", async () => {
  const proxy = startFakeSocks5({ replyCode: 2 });
  try {
    await assert.rejects(() => probeSocks5(proxy.port, 80), /CONNECT with reply code 2/);
  } finally {
    await proxy.close();
  }
});

Deno.test("probeHttpProxy() passes on 200 and quotes any other status line", async () => {
  const ok = startFakeHttpProxy("200 OK");
  const denied = startFakeHttpProxy("403 Forbidden");
  try {
    await probeHttpProxy(ok.port, 80);
    await assert.rejects(() => probeHttpProxy(denied.port, 80), /"HTTP\/1\.1 403 Forbidden"/);
  } finally {
    await ok.close();
    await denied.close();
  }
});

Deno.test("probeHttpProxy() gives up when its signal aborts", async () => {
  // A listener that accepts but never answers.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  try {
    const port = (listener.addr as Deno.NetAddr).port;
    await assert.rejects(
      () => probeHttpProxy(port, 80, AbortSignal.timeout(100)),
      /aborted/,
    );
  } finally {
    (await accepted).close();
    listener.close();
  }
});
