import assert from "node:assert/strict";
import { decoder, encoder } from "../_support/bytes.ts";
import { freePort, freeUdpPort } from "../_support/ports.ts";
import { control, startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";
import { startUdpEcho, UdpClient } from "../_support/udp.ts";

function udpConfig(o: {
  ctl: number;
  port: number;
  servers: [number, number][];
  timeout?: string;
  max?: number;
  extra?: string;
}): string {
  const servers = o.servers.map(([p, w]) => `{ addr = "127.0.0.1:${p}", weight = ${w} }`);
  return `
control = "127.0.0.1:${o.ctl}"
[[stream.upstream]]
name = "echo"
bind = "udp"
server = [${servers.join(", ")}]

[[stream.server]]
bind_addr = "127.0.0.1:${o.port}"
bind_mode = "udp"
up_name = "echo"
${o.timeout ? `timeout = "${o.timeout}"` : ""}
${o.max ? `max_sessions = ${o.max}` : ""}
${o.extra ?? ""}
`;
}

interface UdpStatus {
  sessions: number;
  udp: { sessions: number; evicted: number; expired: number };
}

async function udpStatus(ctl: number): Promise<UdpStatus> {
  const { body } = await control(`http://127.0.0.1:${ctl}`, "status");
  return (body.listeners as (UdpStatus & { kind: string })[]).find((l) => l.kind === "stream/udp")!;
}

Deno.test("udp forwarder: 10,000 datagrams from 50 sockets each come back to their sender", async () => {
  const dir = await tempDir();
  const echo = startUdpEcho();
  const ctl = freePort();
  const port = freeUdpPort();
  const inst = await startInstance(dir.path, udpConfig({ ctl, port, servers: [[echo.port, 100]] }));
  const clients = Array.from({ length: 50 }, () => new UdpClient());
  try {
    const wrong: string[] = [];
    await Promise.all(clients.map(async (client, c) => {
      for (let i = 0; i < 200; i++) {
        const msg = `client ${c} datagram ${i} ${"x".repeat((c * 31 + i) % 1200)}`;
        const reply = decoder.decode(await client.ask(port, encoder.encode(msg)));
        if (reply !== msg) wrong.push(`client ${c} #${i} got ${reply.slice(0, 40)}`);
      }
    }));
    assert.deepEqual(wrong, []);
    assert.equal(echo.received(), 10_000);
    // One session (one upstream socket) per client address.
    assert.equal(echo.peers().size, 50);
    const status = await udpStatus(ctl);
    assert.equal(status.sessions, 50);
    assert.equal(status.udp.sessions, 50);
  } finally {
    clients.forEach((c) => c.close());
    await inst.kill();
    await echo.close();
    await dir.cleanup();
  }
});

Deno.test("udp forwarder ends a session after timeout of silence and opens a new one after", async () => {
  const dir = await tempDir();
  const echo = startUdpEcho();
  const ctl = freePort();
  const port = freeUdpPort();
  const inst = await startInstance(
    dir.path,
    udpConfig({ ctl, port, servers: [[echo.port, 100]], timeout: "300ms" }),
    ["-v"],
  );
  const client = new UdpClient();
  try {
    assert.equal(decoder.decode(await client.ask(port, encoder.encode("one"))), "one");
    assert.equal((await udpStatus(ctl)).sessions, 1);
    const from = inst.lines.length;
    await inst.waitFor(/stream\.server\[0\]: session 127\.0\.0\.1:\d+ expired/, from, 5000);
    const after = await udpStatus(ctl);
    assert.deepEqual([after.sessions, after.udp.expired], [0, 1]);
    // The same client again: a new session, through a new upstream socket.
    assert.equal(decoder.decode(await client.ask(port, encoder.encode("two"))), "two");
    const again = await udpStatus(ctl);
    assert.deepEqual([again.sessions, again.udp.sessions], [1, 2]);
    assert.equal(echo.peers().size, 2);
  } finally {
    client.close();
    await inst.kill();
    await echo.close();
    await dir.cleanup();
  }
});

Deno.test("udp forwarder keeps at most max_sessions, evicting the one idle longest", async () => {
  const dir = await tempDir();
  const echo = startUdpEcho();
  const ctl = freePort();
  const port = freeUdpPort();
  const inst = await startInstance(
    dir.path,
    udpConfig({ ctl, port, servers: [[echo.port, 100]], max: 5 }),
  );
  const clients = Array.from({ length: 20 }, () => new UdpClient());
  try {
    for (const [i, c] of clients.entries()) {
      assert.equal(decoder.decode(await c.ask(port, encoder.encode(`c${i}`))), `c${i}`);
    }
    const status = await udpStatus(ctl);
    assert.deepEqual([status.sessions, status.udp.sessions, status.udp.evicted], [5, 20, 15]);
    // The five most recent clients still have their sessions: no new session is opened.
    for (const [i, c] of clients.slice(15).entries()) {
      assert.equal(decoder.decode(await c.ask(port, encoder.encode(`again${i}`))), `again${i}`);
    }
    assert.equal((await udpStatus(ctl)).udp.sessions, 20);
  } finally {
    clients.forEach((c) => c.close());
    await inst.kill();
    await echo.close();
    await dir.cleanup();
  }
});

Deno.test("udp forwarder spreads sessions over two servers by weight and keeps them sticky", async () => {
  const dir = await tempDir();
  const a = startUdpEcho("A:");
  const b = startUdpEcho("B:");
  const ctl = freePort();
  const port = freeUdpPort();
  const inst = await startInstance(
    dir.path,
    udpConfig({ ctl, port, servers: [[a.port, 100], [b.port, 300]] }),
  );
  const clients = Array.from({ length: 40 }, () => new UdpClient());
  try {
    const counts: Record<string, number> = { A: 0, B: 0 };
    for (const c of clients) {
      const tags = new Set<string>();
      for (let i = 0; i < 5; i++) {
        tags.add(decoder.decode(await c.ask(port, encoder.encode("x")))[0]);
      }
      assert.equal(tags.size, 1, "a session moved between servers");
      counts[[...tags][0]]++;
    }
    assert.deepEqual(counts, { A: 10, B: 30 });
  } finally {
    clients.forEach((c) => c.close());
    await inst.kill();
    await a.close();
    await b.close();
    await dir.cleanup();
  }
});

Deno.test("udp forwarder keeps its port and sessions across reloads while datagrams flow", async () => {
  const dir = await tempDir();
  const a = startUdpEcho("A:");
  const b = startUdpEcho("B:");
  const ctl = freePort();
  const port = freeUdpPort();
  const tcpPort = freePort();
  const url = `http://127.0.0.1:${ctl}`;
  const inst = await startInstance(
    dir.path,
    udpConfig({ ctl, port, servers: [[a.port, 100], [b.port, 100]] }),
  );
  const clients = Array.from({ length: 10 }, () => new UdpClient());
  let running = true;
  const failures: string[] = [];
  let exchanged = 0;
  try {
    const flows = clients.map(async (c, k) => {
      let server = "";
      for (let i = 0; running || i < 50; i++) {
        try {
          const reply = decoder.decode(await c.ask(port, encoder.encode(`${k}:${i}`)));
          const [tag, ...rest] = reply.split(":");
          if (rest.join(":") !== `${k}:${i}`) failures.push(`client ${k}: wrong reply ${reply}`);
          if (server && tag !== server) {
            failures.push(`client ${k}: moved from ${server} to ${tag}`);
          }
          server = tag;
          exchanged++;
        } catch (e) {
          failures.push(`client ${k}: ${(e as Error).message}`);
          return;
        }
      }
    });
    for (let r = 0; r < 10; r++) {
      const cfg = udpConfig({
        ctl,
        port,
        servers: [[a.port, r % 2 ? 100 : 500], [b.port, 100]],
        extra: r % 2 ? "" : `[[stream.server]]\nbind_addr = "127.0.0.1:${tcpPort}"\n` +
          `proxy_url = "tcp://127.0.0.1:1"\n`,
      });
      await Deno.writeTextFile(inst.configPath, cfg);
      const res = await control(url, "reload");
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
    running = false;
    await Promise.all(flows);
    assert.deepEqual(failures, []);
    assert.ok(exchanged >= 500, `${exchanged} exchanges`);
    const status = await udpStatus(ctl);
    // Still the same 10 sessions: the reloads did not touch them.
    assert.deepEqual([status.sessions, status.udp.sessions], [10, 10]);
  } finally {
    running = false;
    clients.forEach((c) => c.close());
    await inst.kill();
    await a.close();
    await b.close();
    await dir.cleanup();
  }
});
