import assert from "node:assert/strict";
import { curl } from "../_support/curl.ts";
import { startOrigin } from "../_support/origins.ts";
import { freePort } from "../_support/ports.ts";
import { type Instance, startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";
import { eventually } from "../_support/wait.ts";

/** A tunnel server on loopback (no TLS: the tests are about what the streams carry). */
function serverToml(tunnelPort: number, extra = ""): string {
  return `
[proxy]
mode = "server"
bind_addr = "127.0.0.1:${tunnelPort}"
username = "wmproxy"
password = "s3cret"
heartbeat_interval = "1s"
${extra}
`;
}

/** A client with a local egress proxy on `bindPort`; its target_allow lets users reach loopback. */
function clientToml(servers: number[], bindPort: number, extra = ""): string {
  return `
[proxy]
server = [${servers.map((p) => `"127.0.0.1:${p}"`).join(", ")}]
username = "wmproxy"
password = "s3cret"
heartbeat_interval = "1s"
bind_addr = "127.0.0.1:${bindPort}"
flag = "http https socks5"
target_allow = "127.0.0.1"
${extra}
`;
}

/** Status and body of `curl ARGS URL`; status 0 when curl failed. */
async function fetchVia(url: string, ...args: string[]): Promise<{ status: number; body: string }> {
  const r = await curl(["--max-time", "10", ...args, "-w", "\n%{http_code}", url]);
  if (r.code !== 0) return { status: 0, body: r.stderr };
  const i = r.stdout.lastIndexOf("\n");
  return { status: Number(r.stdout.slice(i + 1)), body: r.stdout.slice(0, i) };
}

Deno.test({
  name: "tunnel egress: the client's local proxy (HTTP, CONNECT, SOCKS5, with credentials) " +
    "egresses at the server; map_proxy_bind egresses inside the client through a proxy mapping",
  async fn() {
    const serverDir = await tempDir();
    const clientDir = await tempDir();
    const origin = startOrigin("origin");
    const [tunnelPort, mapProxyPort, localPort] = [freePort(), freePort(), freePort()];
    const instances: Instance[] = [];
    try {
      instances.push(
        await startInstance(
          serverDir.path,
          serverToml(tunnelPort, `map_proxy_bind = "127.0.0.1:${mapProxyPort}"`),
        ),
      );
      const client = await startInstance(
        clientDir.path,
        clientToml(
          [tunnelPort],
          localPort,
          `
[[proxy.mappings]]
name = "inside"
mode = "proxy"
`,
        ),
      );
      instances.push(client);
      assert.doesNotMatch(client.log(), /not served/);
      const url = `http://127.0.0.1:${origin.port}/egress`;
      const local = `http://wmproxy:s3cret@127.0.0.1:${localPort}`;
      await eventually(
        async () => (await fetchVia(url, "-x", local)).status === 200,
        10_000,
        "the local proxy to reach the origin through the server",
      );
      assert.deepEqual(await fetchVia(url, "-x", local), { status: 200, body: "origin /egress" });
      // CONNECT through the same proxy.
      assert.deepEqual(await fetchVia(url, "-x", local, "-p"), {
        status: 200,
        body: "origin /egress",
      });
      // SOCKS5 with username/password, the name resolved at the server.
      assert.deepEqual(
        await fetchVia(url, "-x", `socks5h://wmproxy:s3cret@127.0.0.1:${localPort}`),
        { status: 200, body: "origin /egress" },
      );
      // The users give the credentials of the [proxy] section.
      const anonymous = await fetchVia(url, "-x", `http://127.0.0.1:${localPort}`);
      assert.equal(anonymous.status, 407);

      // A visitor of the server's map_proxy_bind egresses at the client.
      const front = `http://wmproxy:s3cret@127.0.0.1:${mapProxyPort}`;
      await eventually(
        async () => (await fetchVia(url, "-x", front)).status === 200,
        10_000,
        "map_proxy_bind to reach the origin through the client's proxy mapping",
      );
      assert.deepEqual(await fetchVia(`${url}/2`, "-x", front, "-p"), {
        status: 200,
        body: "origin /egress/2",
      });
      assert.equal((await fetchVia(url, "-x", `http://127.0.0.1:${mapProxyPort}`)).status, 407);
    } finally {
      for (const i of instances) await i.kill();
      await origin.close();
      await serverDir.cleanup();
      await clientDir.cleanup();
    }
  },
});

Deno.test({
  name: "tunnel egress: the local proxy uses the first server and fails over to the second",
  async fn() {
    const dirs = [await tempDir(), await tempDir(), await tempDir()];
    const origin = startOrigin("origin");
    const [portA, portB, localPort] = [freePort(), freePort(), freePort()];
    let serverA: Instance | undefined;
    const instances: Instance[] = [];
    try {
      serverA = await startInstance(dirs[0].path, serverToml(portA));
      instances.push(await startInstance(dirs[1].path, serverToml(portB)));
      const client = await startInstance(dirs[2].path, clientToml([portA, portB], localPort));
      instances.push(client);
      await client.waitFor(new RegExp(`tunnel session \\w+ to 127\\.0\\.0\\.1:${portA} up`));
      await client.waitFor(new RegExp(`tunnel session \\w+ to 127\\.0\\.0\\.1:${portB} up`));
      const url = `http://127.0.0.1:${origin.port}/a`;
      const local = `http://wmproxy:s3cret@127.0.0.1:${localPort}`;
      assert.deepEqual(await fetchVia(url, "-x", local), { status: 200, body: "origin /a" });

      await serverA.kill();
      serverA = undefined;
      await client.waitFor(new RegExp(`tunnel session \\w+ to 127\\.0\\.0\\.1:${portA} ended`));
      for (const path of ["/b", "/c"]) {
        assert.deepEqual(await fetchVia(`http://127.0.0.1:${origin.port}${path}`, "-x", local), {
          status: 200,
          body: `origin ${path}`,
        });
      }
    } finally {
      await serverA?.kill();
      for (const i of instances) await i.kill();
      await origin.close();
      for (const d of dirs) await d.cleanup();
    }
  },
});
