import assert from "node:assert/strict";
import { curl, curlResponse } from "../_support/curl.ts";
import { startOrigin } from "../_support/origins.ts";
import { freePort } from "../_support/ports.ts";
import { startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";
import { eventually } from "../_support/wait.ts";

Deno.test({
  name: "tunnel: an http mapping's headers are applied at the client, {client_ip} being the " +
    "visitor at the server; a mapping without headers is relayed as it is",
  async fn() {
    const serverDir = await tempDir();
    const clientDir = await tempDir();
    const origin = startOrigin(
      "inside",
      (req) =>
        new Response(`inside ${new URL(req.url).pathname}`, {
          headers: { etag: '"v1"', "x-origin": "yes" },
        }),
    );
    const [tunnelPort, httpPort] = [freePort(), freePort()];
    const server = await startInstance(
      serverDir.path,
      `
[proxy]
mode = "server"
bind_addr = "127.0.0.1:${tunnelPort}"
map_http_bind = "127.0.0.1:${httpPort}"
heartbeat_interval = "1s"
`,
    );
    let client: Awaited<ReturnType<typeof startInstance>> | undefined;
    try {
      client = await startInstance(
        clientDir.path,
        `
[proxy]
server = "127.0.0.1:${tunnelPort}"
heartbeat_interval = "1s"

[[proxy.mappings]]
name = "web"
mode = "http"
local_addr = "127.0.0.1:${origin.port}"
domain = "app.test"
headers = ["proxy x-real-ip {client_ip}", "+ x-from tunnel", "- etag"]

[[proxy.mappings]]
name = "raw"
mode = "http"
local_addr = "127.0.0.1:${origin.port}"
domain = "raw.test"
`,
      );
      const get = (host: string, path: string) =>
        curlResponse("-H", `Host: ${host}`, `http://127.0.0.1:${httpPort}${path}`);
      await eventually(
        async () => (await get("app.test", "/ready").catch(() => null))?.status === 200,
        10_000,
        "the http mapping to answer",
      );
      assert.equal(client.lines.some((l) => l.includes("not served in this version")), false);

      origin.seen.length = 0;
      const web = await get("app.test", "/hello");
      assert.equal(web.status, 200);
      assert.equal(web.body, "inside /hello");
      assert.equal(web.headers.get("x-from"), "tunnel");
      assert.equal(web.headers.has("etag"), false, "- etag removes the origin's etag");
      assert.equal(web.headers.get("x-origin"), "yes");
      const seen = origin.seen[0];
      assert.equal(seen.path, "/hello");
      assert.equal(seen.headers.get("host"), "app.test", "Host is kept");
      assert.equal(seen.headers.get("x-real-ip"), "127.0.0.1", "{client_ip}: curl at the server");
      assert.equal(seen.headers.get("x-forwarded-for"), "127.0.0.1");

      // Keep-alive: two requests on one visitor connection, each with the rules applied.
      origin.seen.length = 0;
      const two = await curl([
        "-H",
        "Host: app.test",
        "-o",
        "/dev/null",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code} %{num_connects}\n",
        `http://127.0.0.1:${httpPort}/a`,
        `http://127.0.0.1:${httpPort}/b`,
      ]);
      assert.equal(two.code, 0, two.stderr);
      assert.deepEqual(two.stdout.trim().split("\n"), ["200 1", "200 0"]);
      assert.deepEqual(origin.seen.map((s) => [s.path, s.headers.get("x-real-ip")]), [
        ["/a", "127.0.0.1"],
        ["/b", "127.0.0.1"],
      ]);

      // No headers: the raw relay, the origin's answer untouched.
      origin.seen.length = 0;
      const raw = await get("raw.test", "/plain");
      assert.equal(raw.status, 200);
      assert.equal(raw.headers.get("etag"), '"v1"');
      assert.equal(raw.headers.has("x-from"), false);
      assert.equal(origin.seen[0].headers.has("x-real-ip"), false);
      assert.equal(origin.seen[0].headers.has("x-forwarded-for"), false);
    } finally {
      await client?.kill();
      await server.kill();
      await origin.close();
      await serverDir.cleanup();
      await clientDir.cleanup();
    }
  },
});
