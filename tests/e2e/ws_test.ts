import assert from "node:assert/strict";
import { curl, WS_UPGRADE_HEADERS } from "../_support/curl.ts";
import { encoder, randomBytes } from "../_support/bytes.ts";
import { readExactly, writeAll } from "../_support/io.ts";
import { startServer, startWsEcho } from "../_support/origins.ts";
import { pythonWsClient, startWebsockify } from "../_support/peers.ts";
import { selfSignedCertificate } from "../_support/pki.ts";
import { freePort } from "../_support/ports.ts";
import { runMain, startCommand, startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";

/** Sends `payload` and reads as many bytes back, then closes (a WebSocket has no half-close). */
async function echoThrough(port: number, payload: Uint8Array): Promise<Uint8Array> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const [, got] = await Promise.all([
      writeAll(conn, payload),
      readExactly(conn, payload.length),
    ]);
    return got;
  } finally {
    conn.close();
  }
}

Deno.test("tcp2ws through main.ts → websockify → TCP echo: 1 MiB of random bytes round-trips", async () => {
  const dir = await tempDir();
  const echo = startServer();
  const wsPort = freePort();
  const websockify = await startWebsockify(wsPort, echo.port);
  const port = freePort();
  const inst = await startInstance(
    dir.path,
    `disable_control = true
[[stream.server]]
bind_addr = "127.0.0.1:${port}"
bind_mode = "tcp2ws"
proxy_url = "ws://127.0.0.1:${wsPort}/"
`,
  );
  try {
    const payload = randomBytes(1024 * 1024);
    const got = await echoThrough(port, payload);
    assert.equal(got.length, payload.length);
    assert.ok(got.every((b, i) => b === payload[i]), "bytes differ");
  } finally {
    await inst.kill();
    await websockify.close();
    await echo.close();
    await dir.cleanup();
  }
});

Deno.test("python3 websockets client → ws2tcp in main.ts → TCP echo: binary and text", async () => {
  const dir = await tempDir();
  const echo = startServer();
  const port = freePort();
  const inst = await startInstance(
    dir.path,
    `disable_control = true
[[stream.server]]
bind_addr = "127.0.0.1:${port}"
bind_mode = "ws2tcp"
proxy_url = "tcp://127.0.0.1:${echo.port}"
`,
  );
  try {
    const r = await pythonWsClient(`ws://127.0.0.1:${port}/`, 300_000);
    assert.equal(r.out, "ok 300000 17", r.err);
    assert.equal(r.code, 0);
    // A plain HTTP request is not an upgrade: 426.
    const res = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(res.status, 426);
    await res.body?.cancel();
  } finally {
    await inst.kill();
    await echo.close();
    await dir.cleanup();
  }
});

Deno.test("tcp2ws → ws2tcp, both in main.ts: bytes flow, and a close at either end reaches the other", async () => {
  const dir = await tempDir();
  let onConn: (c: Deno.TcpConn) => void = () => {};
  const backend = startServer((c) => {
    onConn(c);
    return new Promise(() => {}); // the test drives each connection
  });
  const tcpPort = freePort();
  const wsPort = freePort();
  const inst = await startInstance(
    dir.path,
    `disable_control = true
[[stream.upstream]]
name = "bridge"
server = [{ addr = "127.0.0.1:${wsPort}" }]

[[stream.server]]
bind_addr = "127.0.0.1:${tcpPort}"
bind_mode = "tcp2ws"
up_name = "bridge"

[[stream.server]]
bind_addr = "127.0.0.1:${wsPort}"
bind_mode = "ws2tcp"
proxy_url = "tcp://127.0.0.1:${backend.port}"
`,
  );
  const accepted = () => new Promise<Deno.TcpConn>((r) => onConn = r);
  try {
    // The client closes: the backend reads the bytes, then end of stream.
    let next = accepted();
    const client = await Deno.connect({ hostname: "127.0.0.1", port: tcpPort });
    await writeAll(client, encoder.encode("hello"));
    let server = await next;
    assert.deepEqual(await readExactly(server, 5), encoder.encode("hello"));
    await writeAll(server, encoder.encode("back"));
    assert.deepEqual(await readExactly(client, 4), encoder.encode("back"));
    client.close();
    assert.equal(await server.read(new Uint8Array(16)), null);
    server.close();

    // The backend closes: the client reads what it sent, then end of stream.
    next = accepted();
    const client2 = await Deno.connect({ hostname: "127.0.0.1", port: tcpPort });
    await writeAll(client2, encoder.encode("x"));
    server = await next;
    await readExactly(server, 1);
    await writeAll(server, encoder.encode("bye"));
    server.close();
    assert.deepEqual(await readExactly(client2, 3), encoder.encode("bye"));
    assert.equal(await client2.read(new Uint8Array(16)), null);
    client2.close();
  } finally {
    await inst.kill();
    await backend.close();
    await dir.cleanup();
  }
});

Deno.test("tcp2wss to websockify with a self-signed certificate (DENO_CERT), by up_name and by URL", async () => {
  const dir = await tempDir();
  const certs = await selfSignedCertificate(dir.path, "wss.test");
  const echo = startServer();
  const wsPort = freePort();
  const websockify = await startWebsockify(wsPort, echo.port, certs);
  const port = freePort();
  const byName = freePort();
  Deno.env.set("DENO_CERT", certs.cert);
  let inst;
  try {
    inst = await startInstance(
      dir.path,
      `disable_control = true
[[stream.upstream]]
name = "secure"
server = [{ addr = "127.0.0.1:${wsPort}" }]

[[stream.server]]
bind_addr = "127.0.0.1:${port}"
bind_mode = "tcp2wss"
up_name = "secure"

[[stream.server]]
bind_addr = "127.0.0.1:${byName}"
bind_mode = "tcp2wss"
proxy_url = "wss://127.0.0.1:${wsPort}/"
`,
    );
  } finally {
    Deno.env.delete("DENO_CERT");
  }
  try {
    for (const p of [port, byName]) {
      const payload = randomBytes(200_000);
      const got = await echoThrough(p, payload);
      assert.ok(got.every((b, i) => b === payload[i]), `bytes differ through ${p}`);
    }
  } finally {
    await inst.kill();
    await websockify.close();
    await echo.close();
    await dir.cleanup();
  }
});

/** Opens a WebSocket and resolves once it is open (rejects on error). */
function openWs(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  return new Promise((resolve, reject) => {
    ws.onopen = () => resolve(ws);
    ws.onerror = (e) => reject(new Error(`${url}: ${(e as ErrorEvent).message}`));
  });
}

/** Sends `data` and resolves with the next message. */
function ask(ws: WebSocket, data: string | Uint8Array): Promise<string | Uint8Array> {
  return new Promise((resolve) => {
    ws.onmessage = (e) =>
      resolve(typeof e.data === "string" ? e.data : new Uint8Array(e.data as ArrayBuffer));
    ws.send(data);
  });
}

/** curl's status code for a WebSocket upgrade request to `url`. */
async function upgradeStatus(url: string): Promise<string> {
  const args = ["-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", ...WS_UPGRADE_HEADERS];
  return (await curl([...args, url])).stdout;
}

Deno.test("is_ws location proxies a WebSocket echo server, 400 elsewhere, @ws catches upgrades, survives /reload", async () => {
  const dir = await tempDir();
  const upstream = startWsEcho();
  const ctl = freePort();
  const port = freePort();
  const refPort = freePort();
  const config = (extra: string) => `
control = "127.0.0.1:${ctl}"
[[http.upstream]]
name = "ws"
server = [{ addr = "127.0.0.1:${upstream.port}" }]

[[http.server]]
bind_addr = "127.0.0.1:${port}"
[[http.server.location]]
rule = "/ws"
is_ws = true
proxy_url = "http://ws"
headers = ["proxy X-Via wmproxy"]
[[http.server.location]]
rule = "/"
proxy_url = "http://ws"
${extra}

[[http.server]]
bind_addr = "127.0.0.1:${refPort}"
[[http.server.location]]
rule = "@ws"
is_ws = true
proxy_url = "http://ws"
[[http.server.location]]
rule = "/static"
static_response = "I'm Ok"
`;
  const inst = await startInstance(dir.path, config(""));
  try {
    const ws = await openWs(`ws://127.0.0.1:${port}/ws/chat`);
    assert.equal(await ask(ws, "hello"), "hello");
    assert.deepEqual(await ask(ws, new Uint8Array([0, 1, 2, 255])), new Uint8Array([0, 1, 2, 255]));

    // A non-is_ws location refuses the upgrade without forwarding it; plain requests still work.
    assert.equal(await upgradeStatus(`http://127.0.0.1:${port}/other`), "400");
    const plain = await fetch(`http://127.0.0.1:${port}/other`);
    assert.equal(await plain.text(), "plain /other");

    // The reference config's "@ws": any upgrade on that server goes there.
    const viaNamed = await openWs(`ws://127.0.0.1:${refPort}/anything`);
    assert.equal(await ask(viaNamed, "named"), "named");
    viaNamed.close();

    // A reload (the listener's settings change) leaves the open WebSocket working.
    await Deno.writeTextFile(
      inst.configPath,
      config('[[http.server.location]]\nrule = "/new"\nstatic_response = "new"'),
    );
    const reload = await fetch(`http://127.0.0.1:${ctl}/reload`, { method: "POST" });
    assert.equal(reload.status, 200, await reload.text());
    // (A new connection: open ones keep the settings they started with.)
    const fresh = await curl([`http://127.0.0.1:${port}/new`]);
    assert.equal(fresh.stdout, "new");
    assert.equal(await ask(ws, "after reload"), "after reload");
    const closed = new Promise((r) => ws.onclose = r);
    ws.close();
    await closed;
  } finally {
    await inst.kill();
    await upstream.close();
    await dir.cleanup();
  }
});

Deno.test("wmproxy ws-proxy runs a bridge from flags; bad flags exit 2", async () => {
  const echo = startServer();
  const wsPort = freePort();
  const tcpPort = freePort();
  const ws2tcp = await startCommand([
    "ws-proxy",
    "--disable-control",
    "-f",
    `127.0.0.1:${wsPort}`,
    "-t",
    `127.0.0.1:${echo.port}`,
    "--mode",
    "ws2tcp",
  ]);
  const tcp2ws = await startCommand([
    "ws-proxy",
    "--disable-control",
    "-f",
    `127.0.0.1:${tcpPort}`,
    "-t",
    `ws://127.0.0.1:${wsPort}/`,
    "--mode",
    "tcp2ws",
  ]);
  try {
    const r = await pythonWsClient(`ws://127.0.0.1:${wsPort}/`, 1000);
    assert.equal(r.out, "ok 1000 17", r.err);
    const payload = randomBytes(100_000);
    assert.deepEqual(await echoThrough(tcpPort, payload), payload);
  } finally {
    await ws2tcp.kill();
    await tcp2ws.kill();
    await echo.close();
  }
  const badMode = await runMain([
    "ws-proxy",
    "-f",
    "127.0.0.1:1",
    "-t",
    "127.0.0.1:2",
    "--mode",
    "x",
  ]);
  assert.equal(badMode.code, 2);
  assert.match(badMode.stderr, /--mode: "x" is not a mode, expected ws2tcp, tcp2ws or tcp2wss/);
  const badTarget = await runMain([
    "ws-proxy",
    "-f",
    "127.0.0.1:1",
    "-t",
    "ws://127.0.0.1:2/",
    "--mode",
    "ws2tcp",
  ]);
  assert.equal(badTarget.code, 2);
  assert.match(badTarget.stderr, /-t: "ws:\/\/127.0.0.1:2\/" is not a target for ws2tcp/);
  const badFrom = await runMain([
    "ws-proxy",
    "-f",
    "nope",
    "-t",
    "127.0.0.1:2",
    "--mode",
    "tcp2ws",
  ]);
  assert.equal(badFrom.code, 2);
  assert.match(badFrom.stderr, /-f: "nope" is not a valid address/);
  assert.doesNotMatch(badFrom.stderr + badTarget.stderr + badMode.stderr, /\n\s+at /);
});

Deno.test("wmproxy reverse-proxy --ws passes WebSocket upgrades through", async () => {
  const upstream = startWsEcho();
  const port = freePort();
  const inst = await startCommand([
    "reverse-proxy",
    "--disable-control",
    "-f",
    `127.0.0.1:${port}`,
    "-t",
    `127.0.0.1:${upstream.port}`,
    "--ws",
  ]);
  try {
    const ws = await openWs(`ws://127.0.0.1:${port}/`);
    assert.equal(await ask(ws, "via flag"), "via flag");
    const closed = new Promise((r) => ws.onclose = r);
    ws.close();
    await closed;
  } finally {
    await inst.kill();
    await upstream.close();
  }
});

Deno.test("/stop drains an open ws2tcp bridge: it keeps working until closed, then main.ts exits 0", async () => {
  const dir = await tempDir();
  const echo = startServer();
  const ctl = freePort();
  const port = freePort();
  const inst = await startInstance(
    dir.path,
    `control = "127.0.0.1:${ctl}"
shutdown_timeout = "20s"
[[stream.server]]
bind_addr = "127.0.0.1:${port}"
bind_mode = "ws2tcp"
proxy_url = "tcp://127.0.0.1:${echo.port}"
`,
  );
  try {
    const ws = await openWs(`ws://127.0.0.1:${port}/`);
    assert.deepEqual(await ask(ws, "before"), encoder.encode("before"));
    const stop = await fetch(`http://127.0.0.1:${ctl}/stop`, { method: "POST" });
    assert.equal(stop.status, 200);
    await stop.body?.cancel();
    // A new request while draining is refused; the open bridge still works.
    await inst.waitFor(/stopping: draining/);
    const late = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(late.status, 503);
    await late.body?.cancel();
    assert.deepEqual(await ask(ws, "during drain"), encoder.encode("during drain"));
    ws.close();
    const status = await inst.exited();
    assert.equal(status.code, 0);
  } finally {
    await inst.kill();
    await echo.close();
    await dir.cleanup();
  }
});

Deno.test("reload switches one address between tcp and ws2tcp and back", async () => {
  const dir = await tempDir();
  const echo = startServer();
  const ctl = freePort();
  const port = freePort();
  const config = (mode: string) =>
    `control = "127.0.0.1:${ctl}"
[[stream.server]]
bind_addr = "127.0.0.1:${port}"
bind_mode = "${mode}"
proxy_url = "tcp://127.0.0.1:${echo.port}"
`;
  const inst = await startInstance(dir.path, config("tcp"), ["-v"]);
  const reload = async (mode: string) => {
    await Deno.writeTextFile(inst.configPath, config(mode));
    const r = await fetch(`http://127.0.0.1:${ctl}/reload`, { method: "POST" });
    assert.equal(r.status, 200, await r.text());
  };
  try {
    const payload = randomBytes(1000);
    assert.deepEqual(await echoThrough(port, payload), payload);
    await reload("ws2tcp");
    const ws = await openWs(`ws://127.0.0.1:${port}/`);
    assert.deepEqual(await ask(ws, "ws"), encoder.encode("ws"));
    ws.close();
    // Its server closes only once the bridge is gone: wait for that, so no new connection
    // lands on the ws2tcp socket (which would answer it 503).
    await inst.waitFor(/ws2tcp .* closed \(ws_close\)/);
    await reload("tcp");
    for (let i = 0; i < 5; i++) assert.deepEqual(await echoThrough(port, payload), payload);
  } finally {
    await inst.kill();
    await echo.close();
    await dir.cleanup();
  }
});

Deno.test("errors propagate: ws2tcp's TCP target down → 502 → tcp2ws closes its client, one log line each", async () => {
  const dir = await tempDir();
  const tcpPort = freePort();
  const wsPort = freePort();
  const dead = freePort();
  const inst = await startInstance(
    dir.path,
    `disable_control = true
[[stream.server]]
bind_addr = "127.0.0.1:${tcpPort}"
bind_mode = "tcp2ws"
proxy_url = "ws://127.0.0.1:${wsPort}/"

[[stream.server]]
bind_addr = "127.0.0.1:${wsPort}"
bind_mode = "ws2tcp"
proxy_url = "tcp://127.0.0.1:${dead}"
`,
  );
  try {
    const client = await Deno.connect({ hostname: "127.0.0.1", port: tcpPort });
    assert.equal(await client.read(new Uint8Array(16)), null);
    client.close();
    await inst.waitFor(new RegExp(`connect to 127.0.0.1:${dead} failed: refused`));
    await inst.waitFor(/websocket connect to ws:\/\/127.0.0.1:\d+\/ failed; no server left/);
    assert.equal(inst.lines.filter((l) => /\s+at /.test(l)).length, 0, inst.log());
  } finally {
    await inst.kill();
    await dir.cleanup();
  }
});
