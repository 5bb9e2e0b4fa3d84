import assert from "node:assert/strict";
import { freePort } from "../_support/ports.ts";
import { type Instance, startInstance } from "../_support/process.ts";
import { ssh, startSshd } from "../_support/sshd.ts";
import { tempDir } from "../_support/temp.ts";
import { clientToml, serverToml } from "../_support/tunnel_ends.ts";
import { eventually } from "../_support/wait.ts";

/** Whether an SSH server's banner arrives through `port`. */
async function greets(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    try {
      const buf = new Uint8Array(64);
      const n = await conn.read(buf);
      return n !== null && new TextDecoder().decode(buf.subarray(0, n)).startsWith("SSH-2.0-");
    } finally {
      conn.close();
    }
  } catch {
    return false;
  }
}

Deno.test({
  name: "tunnel: OpenSSH logs in through a tcp mapping, by map_tcp_bind and by remote_bind",
  async fn() {
    const dir = await tempDir();
    const sshd = await startSshd(dir.path, freePort());
    const ports = { bind: freePort(), tcp: freePort() };
    const remote = freePort();
    const server = await startInstance(
      dir.path,
      serverToml(ports, `allow_ports = "${remote}"`),
      [],
      "s.toml",
    );
    let client: Instance | undefined;
    try {
      const direct = await ssh(sshd.port, sshd.identity, ["echo", "direct-ok"]);
      assert.equal(direct.stdout, "direct-ok\n", `sshd itself: ${direct.stderr}`);
      client = await startInstance(
        dir.path,
        clientToml({
          servers: [ports.bind],
          mappings: [
            { name: "ssh", mode: "tcp", port: sshd.port },
            { name: "ssh-remote", mode: "tcp", port: sshd.port, remoteBind: remote },
          ],
        }),
        [],
        "c.toml",
      );
      await server.waitFor(/remote_bind \S+ listening/);
      // An SSH server speaks first: a connection that gets its banner is through.
      await eventually(() => greets(ports.tcp), 10_000, "the mapping to pass the SSH banner");
      const viaTcp = await ssh(ports.tcp, sshd.identity, ["echo", "tunnel-ok"]);
      assert.equal(viaTcp.stdout, "tunnel-ok\n", `via map_tcp_bind: ${viaTcp.stderr}`);
      const viaRemote = await ssh(remote, sshd.identity, ["echo", "tunnel-ok"]);
      assert.equal(viaRemote.stdout, "tunnel-ok\n", `via remote_bind: ${viaRemote.stderr}`);
    } finally {
      await client?.kill();
      await server.kill();
      await sshd.close();
      await dir.cleanup();
    }
  },
});
