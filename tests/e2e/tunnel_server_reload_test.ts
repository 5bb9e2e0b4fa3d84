import assert from "node:assert/strict";
import { curlResponse } from "../_support/curl.ts";
import { echo, startOrigin, startServer } from "../_support/origins.ts";
import { freePort } from "../_support/ports.ts";
import { control, type Instance, startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";
import { clientToml, echoes, EchoStream, serverToml } from "../_support/tunnel_ends.ts";
import { eventually } from "../_support/wait.ts";

Deno.test({
  name: "tunnel: a server reload that adds map_http_bind keeps the session and an open stream; " +
    "the client's http mapping, refused before, is served after it",
  async fn() {
    const dir = await tempDir();
    const echoServer = startServer(echo);
    const origin = startOrigin("web");
    const ctl = freePort();
    const ports = { bind: freePort(), tcp: freePort(), control: ctl };
    const httpPort = freePort();
    const server = await startInstance(dir.path, serverToml(ports), [], "s.toml");
    let client: Instance | undefined;
    let stream: EchoStream | undefined;
    try {
      client = await startInstance(
        dir.path,
        clientToml({
          servers: [ports.bind],
          mappings: [
            { name: "echo", mode: "tcp", port: echoServer.port },
            { name: "web", mode: "http", port: origin.port, domain: "app.test" },
          ],
        }),
        [],
        "c.toml",
      );
      await eventually(() => echoes(ports.tcp), 10_000, "the tcp mapping");
      stream = await EchoStream.open(ports.tcp);
      assert.ok(await stream.echo("before"));
      const from = server.lines.length;

      await Deno.writeTextFile(server.configPath, serverToml({ ...ports, http: httpPort }));
      const r = await control(`http://127.0.0.1:${ctl}`, "reload");
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.ok(await stream.echo("after the server reloaded"));
      assert.equal(
        server.lines.slice(from).filter((l) => /session \S+ from \S+ (up|ended)/.test(l)).length,
        0,
        "the session stayed up",
      );
      // The reload re-decided the client's offers: its http mapping, refused before (no
      // map_http_bind), is served now, on the same session.
      const web = await curlResponse("-H", "Host: app.test", `http://127.0.0.1:${httpPort}/x`);
      assert.equal(web.status, 200);
      assert.equal(web.body, "web /x");
      assert.ok(await stream.echo("still open"));
      assert.equal(await stream.finish(), "");
    } finally {
      stream?.close();
      await client?.kill();
      await server.kill();
      await echoServer.close();
      await origin.close();
      await dir.cleanup();
    }
  },
});
