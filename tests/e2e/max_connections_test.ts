import assert from "node:assert/strict";
import { decoder, encoder } from "../_support/bytes.ts";
import { closeQuietly, ping, readHead, statusOf, writeAll } from "../_support/io.ts";
import { startServer } from "../_support/origins.ts";
import { freePort } from "../_support/ports.ts";
import { control, startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";

const pending = new WeakMap<Deno.Conn, Promise<string>>();

/**
 * Resolves with the next bytes read, or null when nothing arrives within `ms`; a read still
 * pending then is kept for the next call (a connection has one read at a time).
 */
async function readWithin(conn: Deno.Conn, ms: number): Promise<string | null> {
  let read = pending.get(conn);
  if (!read) {
    const buf = new Uint8Array(1024);
    read = conn.read(buf).then((n) => n === null ? "" : decoder.decode(buf.subarray(0, n)));
    read.catch(() => {});
    pending.set(conn, read);
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((r) => timer = setTimeout(() => r(null), ms));
  const got = await Promise.race([read, timeout]);
  clearTimeout(timer);
  if (got !== null) pending.delete(conn);
  return got;
}

interface LimitStatus {
  open: number;
  max_connections: number;
  at_limit: boolean;
  limit_hits: number;
}

async function status(ctl: number): Promise<LimitStatus> {
  const { body } = await control(`http://127.0.0.1:${ctl}`, "status");
  return (body.listeners as LimitStatus[])[0];
}

Deno.test("stream listener at max_connections stops accepting; the next client waits in the backlog until one closes", async () => {
  const dir = await tempDir();
  const backend = startServer();
  const port = freePort();
  const ctl = freePort();
  const inst = await startInstance(
    dir.path,
    `
control = "127.0.0.1:${ctl}"
[[stream.server]]
bind_addr = "127.0.0.1:${port}"
proxy_url = "tcp://127.0.0.1:${backend.port}"
max_connections = 3
`,
  );
  const conns: Deno.TcpConn[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const c = await Deno.connect({ hostname: "127.0.0.1", port });
      conns.push(c);
      await ping(c, `hello ${i}`);
    }
    // The kernel completes the 4th handshake (backlog), but nobody accepts it.
    const fourth = await Deno.connect({ hostname: "127.0.0.1", port });
    conns.push(fourth);
    await writeAll(fourth, encoder.encode("fourth"));
    assert.equal(await readWithin(fourth, 300), null, "no echo while 3 are open");
    const full = await status(ctl);
    assert.equal(full.max_connections, 3);
    assert.equal(full.at_limit, true);
    assert.equal(full.open, 3);
    assert.equal(full.limit_hits, 1);

    conns[0].close();
    assert.equal(await readWithin(fourth, 10_000), "fourth", "accepted once one closed");
    await ping(fourth, "again");
    await ping(conns[1], "still fine");
  } finally {
    conns.forEach(closeQuietly);
    await inst.kill();
    await backend.close();
    await dir.cleanup();
  }
});

Deno.test("proxy listener at max_connections holds the next client until one closes", async () => {
  const dir = await tempDir();
  const port = freePort();
  const ctl = freePort();
  const inst = await startInstance(
    dir.path,
    `
control = "127.0.0.1:${ctl}"
max_connections = 1
[proxy]
bind_addr = "127.0.0.1:${port}"
`,
  );
  const first = await Deno.connect({ hostname: "127.0.0.1", port });
  const second = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const request = "GET http://127.0.0.1:1/ HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n";
    // The first is accepted and waits for its request head; the second is not accepted.
    await writeAll(second, encoder.encode(request));
    assert.equal(await readWithin(second, 300), null);
    assert.equal((await status(ctl)).at_limit, true);
    first.close();
    const reply = await readWithin(second, 10_000);
    assert.match(reply ?? "", /^HTTP\/1\.1 \d{3}/, "answered once the first closed");
  } finally {
    closeQuietly(first);
    closeQuietly(second);
    await inst.kill();
    await dir.cleanup();
  }
});

Deno.test("run warns once when max_connections cannot fit in the open-file limit", async () => {
  const limits = await Deno.readTextFile("/proc/self/limits");
  const soft = Number(/^Max open files\s+(\d+)/m.exec(limits)![1]);
  const max = soft; // two descriptors per connection: twice the limit is needed
  const dir = await tempDir();
  const inst = await startInstance(
    dir.path,
    `
max_connections = ${max}
[[stream.server]]
bind_addr = "127.0.0.1:${freePort()}"
proxy_url = "tcp://127.0.0.1:1"
`,
  );
  try {
    const warnings = inst.lines.filter((l) => /open-file limit/.test(l));
    assert.equal(warnings.length, 1, inst.log());
    assert.match(warnings[0], new RegExp(`\\b${soft}\\b`));
    assert.match(warnings[0], new RegExp(`\\b${2 * max}\\b`));
  } finally {
    await inst.kill();
    await dir.cleanup();
  }
});

Deno.test("ws2tcp listener answers an upgrade beyond max_connections with 503", async () => {
  const dir = await tempDir();
  const backend = startServer();
  const port = freePort();
  const ctl = freePort();
  const inst = await startInstance(
    dir.path,
    `
control = "127.0.0.1:${ctl}"
[[stream.server]]
bind_addr = "127.0.0.1:${port}"
bind_mode = "ws2tcp"
proxy_url = "tcp://127.0.0.1:${backend.port}"
max_connections = 1
`,
  );
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
  ws.binaryType = "arraybuffer";
  try {
    const echoed = new Promise<string>((resolve, reject) => {
      ws.onmessage = (e) => resolve(decoder.decode(e.data as ArrayBuffer)); // TCP bytes: binary
      ws.onerror = () => reject(new Error("websocket failed"));
    });
    await new Promise((resolve) => ws.onopen = resolve);
    ws.send("one");
    assert.equal(await echoed, "one");
    const second = await Deno.connect({ hostname: "127.0.0.1", port });
    await writeAll(
      second,
      "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
    const reply = decoder.decode(await readHead(second));
    second.close();
    assert.equal(statusOf(reply), 503, reply);
    const s = await status(ctl);
    assert.equal(s.at_limit, true);
    assert.equal(s.limit_hits, 1);
  } finally {
    const closed = new Promise((resolve) => ws.onclose = resolve);
    ws.close();
    await closed;
    await inst.kill();
    await backend.close();
    await dir.cleanup();
  }
});

Deno.test("a reload that raises max_connections resumes accepting on the same socket at once", async () => {
  const dir = await tempDir();
  const backend = startServer();
  const port = freePort();
  const ctl = freePort();
  const config = (max: number) => `
control = "127.0.0.1:${ctl}"
[[stream.server]]
bind_addr = "127.0.0.1:${port}"
proxy_url = "tcp://127.0.0.1:${backend.port}"
max_connections = ${max}
`;
  const inst = await startInstance(dir.path, config(1));
  const first = await Deno.connect({ hostname: "127.0.0.1", port });
  const second = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await ping(first, "first");
    await writeAll(second, encoder.encode("second"));
    assert.equal(await readWithin(second, 300), null, "held in the backlog at max_connections = 1");

    await Deno.writeTextFile(inst.configPath, config(2));
    const r = await control(`http://127.0.0.1:${ctl}`, "reload");
    assert.equal(r.status, 200);
    assert.deepEqual((r.body.diff as { changed: string[] }).changed, [`tcp 127.0.0.1:${port}`]);
    assert.equal(await readWithin(second, 10_000), "second", "accepted while the first is open");
    await ping(first, "first still open");
    const s = await status(ctl);
    assert.deepEqual([s.max_connections, s.open, s.at_limit], [2, 2, true]);
  } finally {
    closeQuietly(first);
    closeQuietly(second);
    await inst.kill();
    await backend.close();
    await dir.cleanup();
  }
});
