import assert from "node:assert/strict";
import { curlResponse } from "../_support/curl.ts";
import { closeQuietly, roundTrip } from "../_support/io.ts";
import { echo, startOrigin, startServer } from "../_support/origins.ts";
import { freePort } from "../_support/ports.ts";
import { startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";
import { eventually } from "../_support/wait.ts";

/** Whether a byte-exact echo of `size` bytes comes back through `port`. */
async function echoes(port: number, size: number): Promise<boolean> {
  const payload = crypto.getRandomValues(new Uint8Array(Math.min(size, 65536)));
  const big = new Uint8Array(size);
  for (let i = 0; i < size; i += payload.length) big.set(payload.subarray(0, size - i), i);
  try {
    const got = await roundTrip(port, big);
    return got.length === size && got.every((b, i) => b === big[i]);
  } catch {
    return false;
  }
}

Deno.test({
  name: "tunnel: a client behind TLS with the server's self-signed certificate publishes tcp, " +
    "remote_bind and http mappings; the server answers 502 once the client is gone",
  async fn() {
    const serverDir = await tempDir();
    const clientDir = await tempDir();
    const echoServer = startServer(echo);
    const origin = startOrigin("inside");
    const [tunnelPort, httpPort, tcpPort, remotePort] = [
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ];
    const server = await startInstance(
      serverDir.path,
      `
[proxy]
mode = "server"
bind_addr = "127.0.0.1:${tunnelPort}"
username = "wmproxy"
password = "s3cret"
tc = true
map_http_bind = "127.0.0.1:${httpPort}"
map_tcp_bind = "127.0.0.1:${tcpPort}"
allow_ports = "${remotePort}"
heartbeat_interval = "1s"
`,
    );
    let client: Awaited<ReturnType<typeof startInstance>> | undefined;
    try {
      // The server made its certificate beside its config; the client trusts exactly that.
      await server.waitFor(/created a self-signed certificate/);
      const ca = `${serverDir.path}/wmproxy-tunnel.crt`;
      await Deno.copyFile(ca, `${clientDir.path}/server.crt`);
      client = await startInstance(
        clientDir.path,
        `
[proxy]
server = "127.0.0.1:${tunnelPort}"
ts = true
ca = "${clientDir.path}/server.crt"
username = "wmproxy"
password = "s3cret"
heartbeat_interval = "1s"

[[proxy.mappings]]
name = "tcp"
mode = "tcp"
local_addr = "127.0.0.1:${echoServer.port}"

[[proxy.mappings]]
name = "ssh-like"
mode = "tcp"
local_addr = "127.0.0.1:${echoServer.port}"
remote_bind = "127.0.0.1:${remotePort}"

[[proxy.mappings]]
name = "web"
mode = "http"
local_addr = "127.0.0.1:${origin.port}"
domain = "app.test"
`,
      );
      await eventually(() => echoes(tcpPort, 16), 10_000, "the tcp mapping to answer");
      assert.ok(await echoes(tcpPort, 16 * 1024 * 1024), "16 MiB byte-exact through map_tcp_bind");
      await eventually(() => echoes(remotePort, 16), 10_000, "the remote_bind port to answer");

      const web = await curlResponse("-H", "Host: app.test", `http://127.0.0.1:${httpPort}/hello`);
      assert.equal(web.status, 200);
      assert.equal(web.body, "inside /hello");
      const unknown = await curlResponse(
        "-H",
        "Host: nobody.test",
        `http://127.0.0.1:${httpPort}/`,
      );
      assert.equal(unknown.status, 502);

      await client.kill();
      client = undefined;
      await eventually(
        async () => {
          const r = await curlResponse("-H", "Host: app.test", `http://127.0.0.1:${httpPort}/`);
          return r.status === 502;
        },
        10_000,
        "the http mapping to answer 502 once its client left",
      );
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: tcpPort });
      const n = await conn.read(new Uint8Array(1)).catch(() => null);
      assert.equal(n, null, "map_tcp_bind closes a visitor no client serves");
      closeQuietly(conn);
    } finally {
      await client?.kill();
      await server.kill();
      await echoServer.close();
      await origin.close();
      await serverDir.cleanup();
      await clientDir.cleanup();
    }
  },
});
