import assert from "node:assert/strict";
import { closeQuietly, ping } from "../_support/io.ts";
import { echo, startServer } from "../_support/origins.ts";
import { freePort } from "../_support/ports.ts";
import { type Instance, startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";
import { clientToml, echoes, serverToml } from "../_support/tunnel_ends.ts";
import { eventually } from "../_support/wait.ts";

Deno.test("tunnel: a remote_bind socket holds the top-level max_connections; the next visitor waits", async () => {
  const dir = await tempDir();
  const echoServer = startServer(echo);
  const ports = { bind: freePort() };
  const remote = freePort();
  const server = await startInstance(
    dir.path,
    "max_connections = 2\n" + serverToml(ports, `allow_ports = "${remote}"`),
    [],
    "s.toml",
  );
  let client: Instance | undefined;
  const conns: Deno.TcpConn[] = [];
  try {
    client = await startInstance(
      dir.path,
      clientToml({
        servers: [ports.bind],
        mappings: [{ name: "r", mode: "tcp", port: echoServer.port, remoteBind: remote }],
      }),
      [],
      "c.toml",
    );
    await eventually(() => echoes(remote), 10_000, "the remote_bind mapping");
    for (let i = 0; i < 2; i++) {
      const c = await Deno.connect({ hostname: "127.0.0.1", port: remote });
      conns.push(c);
      await ping(c, `held${i}`);
    }
    // A third visitor completes its handshake in the backlog but is not served...
    const third = await Deno.connect({ hostname: "127.0.0.1", port: remote });
    conns.push(third);
    await third.write(new TextEncoder().encode("w"));
    const buf = new Uint8Array(8);
    const read = third.read(buf);
    const early = await Promise.race([
      read.then(() => "answered"),
      new Promise((r) => setTimeout(() => r("waiting"), 500)),
    ]);
    assert.equal(early, "waiting", "the third visitor was served above max_connections");
    // ...until one of the first two leaves.
    closeQuietly(conns[0]);
    assert.equal(await read, 1);
    assert.equal(buf[0], "w".charCodeAt(0));
  } finally {
    conns.forEach(closeQuietly);
    await client?.kill();
    await server.kill();
    await echoServer.close();
    await dir.cleanup();
  }
});
