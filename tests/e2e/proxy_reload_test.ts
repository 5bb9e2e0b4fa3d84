import assert from "node:assert/strict";
import { decoder, encoder } from "../_support/bytes.ts";
import { readExactly, readHead, roundTrip, writeAll } from "../_support/io.ts";
import { startServer } from "../_support/origins.ts";
import { freePort, refuses } from "../_support/ports.ts";
import { control, startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";

/** Opens a CONNECT tunnel through the proxy at `port` to 127.0.0.1:`target`. */
async function connectTunnel(port: number, target: number, auth?: string): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const authHeader = auth ? `Proxy-Authorization: Basic ${btoa(auth)}\r\n` : "";
  await writeAll(
    conn,
    encoder.encode(
      `CONNECT 127.0.0.1:${target} HTTP/1.1\r\nHost: 127.0.0.1:${target}\r\n${authHeader}\r\n`,
    ),
  );
  const head = decoder.decode(await readHead(conn));
  assert.match(head, /^HTTP\/1\.1 200 /, head);
  return conn;
}

async function status(ctl: number, verb = "status") {
  return (await control(`http://127.0.0.1:${ctl}`, verb)).body;
}

Deno.test("a CONNECT tunnel open during reloads keeps working; new settings apply to new clients", async () => {
  const dir = await tempDir();
  const echo = startServer();
  const ctl = freePort();
  const port = freePort();
  const streamPort = freePort();
  const base = `control = "127.0.0.1:${ctl}"\n[proxy]\nbind_addr = "127.0.0.1:${port}"\n`;
  const inst = await startInstance(dir.path, base);
  try {
    const tunnel = await connectTunnel(port, echo.port);
    const ping = async (text: string) => {
      await writeAll(tunnel, encoder.encode(text));
      assert.equal(decoder.decode(await readExactly(tunnel, text.length)), text);
    };
    await ping("before");

    // 1. A change elsewhere: the [proxy] listener is untouched.
    await Deno.writeTextFile(
      inst.configPath,
      base + `[[stream.server]]\nbind_addr = "127.0.0.1:${streamPort}"\n` +
        `proxy_url = "tcp://127.0.0.1:${echo.port}"\n`,
    );
    const r1 = await control(`http://127.0.0.1:${ctl}`, "reload");
    assert.equal(r1.status, 200);
    assert.deepEqual((r1.body.diff as { unchanged: string[] }).unchanged, [
      `tcp 127.0.0.1:${port}`,
    ]);
    await ping("after an unrelated reload");

    // 2. The [proxy] section itself changes: credentials now required for new clients.
    await Deno.writeTextFile(
      inst.configPath,
      base + 'username = "u"\npassword = "p"\n',
    );
    const r2 = await control(`http://127.0.0.1:${ctl}`, "reload");
    assert.equal(r2.status, 200);
    assert.deepEqual((r2.body.diff as { changed: string[] }).changed, [`tcp 127.0.0.1:${port}`]);
    await ping("after the proxy itself changed");
    assert.ok(await refuses(streamPort));

    const noAuth = await Deno.connect({ hostname: "127.0.0.1", port });
    await writeAll(
      noAuth,
      encoder.encode(
        `CONNECT 127.0.0.1:${echo.port} HTTP/1.1\r\nHost: 127.0.0.1:${echo.port}\r\n\r\n`,
      ),
    );
    assert.match(decoder.decode(await readHead(noAuth)), /^HTTP\/1\.1 407 /);
    noAuth.close();
    const withAuth = await connectTunnel(port, echo.port, "u:p");
    withAuth.close();

    const s = await status(ctl);
    const proxy = (s.listeners as { kind: string; open: number }[]).find((l) =>
      l.kind === "proxy"
    )!;
    assert.ok(proxy.open >= 1, JSON.stringify(s));
    tunnel.close();
  } finally {
    await inst.kill();
    await echo.close();
    await dir.cleanup();
  }
});

Deno.test("a tcp stream listener replaced by [proxy] at the same address keeps its socket", async () => {
  const dir = await tempDir();
  const echo = startServer();
  const ctl = freePort();
  const port = freePort();
  const inst = await startInstance(
    dir.path,
    `control = "127.0.0.1:${ctl}"\n[[stream.server]]\nbind_addr = "127.0.0.1:${port}"\n` +
      `proxy_url = "tcp://127.0.0.1:${echo.port}"\n`,
  );
  try {
    const old = await Deno.connect({ hostname: "127.0.0.1", port });
    await writeAll(old, encoder.encode("raw"));
    assert.equal(decoder.decode(await readExactly(old, 3)), "raw");

    await Deno.writeTextFile(
      inst.configPath,
      `control = "127.0.0.1:${ctl}"\n[proxy]\nbind_addr = "127.0.0.1:${port}"\n`,
    );
    const r = await control(`http://127.0.0.1:${ctl}`, "reload");
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual((r.body.diff as { changed: string[] }).changed, [`tcp 127.0.0.1:${port}`]);

    // The forwarded connection from before keeps working...
    await writeAll(old, encoder.encode("still"));
    assert.equal(decoder.decode(await readExactly(old, 5)), "still");
    old.close();
    // ...and new connections on the same port are now proxy clients.
    const tunnel = await connectTunnel(port, echo.port);
    tunnel.close();
    // A plain byte stream is no longer forwarded blindly: the proxy answers 400.
    const reply = decoder.decode(await roundTrip(port, encoder.encode("raw\r\n\r\n")));
    assert.match(reply, /^HTTP\/1\.1 400 /);
  } finally {
    await inst.kill();
    await echo.close();
    await dir.cleanup();
  }
});
