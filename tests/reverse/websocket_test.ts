import { runPython } from "../_support/python.ts";
import assert from "node:assert/strict";
import { ReverseProxy } from "../../lib/reverse/service.ts";
import { makeCertificates } from "../ws/_peers.ts";
import { tempDir } from "../e2e/_harness.ts";
import {
  curl,
  location,
  options,
  proxyTo,
  rules,
  startOrigin,
  startReverse,
  upstream,
} from "./_harness.ts";

/** An origin that upgrades WebSocket requests and echoes, recording each request's path and headers. */
function wsOrigin() {
  const seen: { path: string; headers: Headers }[] = [];
  const ac = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} },
    (req) => {
      const url = new URL(req.url);
      seen.push({ path: url.pathname + url.search, headers: new Headers(req.headers) });
      if (req.headers.get("upgrade") !== "websocket") return new Response("plain");
      const { socket, response } = Deno.upgradeWebSocket(req);
      socket.onmessage = (e) => socket.send(e.data);
      return response;
    },
  );
  return { port: server.addr.port, seen, close: () => (ac.abort(), server.finished) };
}

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
  const origin = wsOrigin();
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
  const upgrade = [
    "-H",
    "Connection: Upgrade",
    "-H",
    "Upgrade: websocket",
    "-H",
    "Sec-WebSocket-Version: 13",
    "-H",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    "-w",
    "\n%{http_code}",
  ];
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
  const certs = await makeCertificates(dir.path, "localhost");
  const origin = wsOrigin();
  const proxy = new ReverseProxy("tls", {
    ...options([location("/", proxyTo(upstream("ws", [origin.port])), { websocket: true })]),
    tls: true,
  });
  const listener = Deno.listenTls({
    hostname: "127.0.0.1",
    port: 0,
    cert: await Deno.readTextFile(certs.cert),
    key: await Deno.readTextFile(certs.key),
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
      certs.ca,
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
