import assert from "node:assert/strict";
import { curl, WS_UPGRADE_HEADERS } from "../_support/curl.ts";
import { startOrigin, startWsEcho } from "../_support/origins.ts";
import { makePki } from "../_support/pki.ts";
import { runPython } from "../_support/python.ts";
import { tempDir } from "../_support/temp.ts";
import { location, options, proxyTo, rules, startReverse, upstream } from "./_harness.ts";
import { ReverseProxy } from "../../lib/reverse/service.ts";

function echoOnce(url: string, text: string): Promise<string> {
  const ws = new WebSocket(url);
  return new Promise((resolve, reject) => {
    ws.onopen = () => ws.send(text);
    ws.onmessage = (e) => {
      ws.close();
      resolve(String(e.data));
    };
    ws.onerror = (e) => reject(new Error((e as ErrorEvent).message));
  });
}

Deno.test("is_ws passthrough forwards Upgrade, Connection, X-Forwarded-* and proxy rules", async () => {
  const origin = startWsEcho();
  const up = upstream("ws", [origin.port]);
  const rev = startReverse(options([
    location("/ws", proxyTo(up), { websocket: true, headers: rules("proxy X-Via wmproxy") }),
  ]));
  try {
    assert.equal(await echoOnce(`ws://127.0.0.1:${rev.port}/ws/a?b=1`, "hi"), "hi");
    const seen = origin.seen[0];
    assert.equal(seen.path, "/ws/a?b=1");
    assert.equal(seen.headers.get("upgrade"), "websocket");
    assert.match(seen.headers.get("connection") ?? "", /upgrade/i);
    assert.equal(seen.headers.get("x-forwarded-for"), "127.0.0.1");
    assert.equal(seen.headers.get("x-via"), "wmproxy");
    assert.ok(seen.headers.get("sec-websocket-key"));
  } finally {
    await rev.close();
    await origin.close();
  }
});

Deno.test("is_ws passes a refusal (not 101) on as it is, and a broken head becomes 502", async () => {
  const refusing = startOrigin("no", () => new Response("go away", { status: 403 }));
  const garbage = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    for await (const c of garbage) {
      await c.read(new Uint8Array(4096));
      await c.write(new TextEncoder().encode("NOT HTTP AT ALL\r\n\r\n"));
      c.close();
    }
  })().catch(() => {});
  const rev = startReverse(options([
    location("/no", proxyTo(upstream("no", [refusing.port])), { websocket: true }),
    location("/bad", proxyTo(upstream("bad", [garbage.addr.port])), { websocket: true }),
  ]));
  const upgrade = [...WS_UPGRADE_HEADERS, "-w", "\n%{http_code}"];
  try {
    const no = await curl([...upgrade, `${rev.url}/no`]);
    assert.equal(no.stdout, "go away\n403");
    const bad = await curl([...upgrade, `${rev.url}/bad`]);
    assert.match(bad.stdout, /502$/);
  } finally {
    await rev.close();
    await refusing.close();
    garbage.close();
    await served;
  }
});

Deno.test("is_ws passthrough works on a TLS connection (python websockets over wss)", async () => {
  const dir = await tempDir();
  const pki = await makePki(dir.path, [["localhost"]]);
  const leaf = pki.leaves.localhost;
  const origin = startWsEcho();
  const proxy = new ReverseProxy("tls", {
    ...options([location("/", proxyTo(upstream("ws", [origin.port])), { websocket: true })]),
    tls: true,
  });
  const listener = Deno.listenTls({
    hostname: "127.0.0.1",
    port: 0,
    cert: leaf.cert,
    key: leaf.key,
  });
  const handled: Promise<void>[] = [];
  const loop = (async () => {
    for await (const conn of listener) {
      // The passthrough uses only what every Deno.Conn has.
      handled.push(proxy.handle(conn as unknown as Deno.TcpConn));
    }
  })().catch(() => {});
  const script = `
import asyncio, ssl, sys, websockets
async def main():
    ctx = ssl.create_default_context(cafile=sys.argv[2])
    async with websockets.connect(sys.argv[1], ssl=ctx) as ws:
        await ws.send("over tls")
        print(await ws.recv())
asyncio.run(main())
`;
  try {
    const r = await runPython([
      "-c",
      script,
      `wss://127.0.0.1:${listener.addr.port}/chat`,
      pki.caFile,
    ], {
      modules: ["websockets"],
    });
    assert.equal(r.stdout.trim(), "over tls", r.stderr);
    assert.equal(origin.seen[0].headers.get("x-forwarded-proto"), "https");
  } finally {
    listener.close();
    await loop;
    proxy.tracker.closeAll();
    await Promise.all(handled);
    await proxy.close();
    await origin.close();
    await dir.cleanup();
  }
});
