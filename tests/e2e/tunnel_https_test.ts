import assert from "node:assert/strict";
import { curlResponse } from "../_support/curl.ts";
import { startOrigin } from "../_support/origins.ts";
import { makePki } from "../_support/pki.ts";
import { freePort } from "../_support/ports.ts";
import { startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";
import { eventually } from "../_support/wait.ts";

Deno.test("tunnel: an https mapping terminates TLS at the server (map_cert by SNI) and reaches the client's plain origin", async () => {
  const dir = await tempDir();
  const origin = startOrigin("secure-inside");
  const [tunnelPort, httpsPort] = [freePort(), freePort()];
  const pki = await makePki(dir.path, [["secure.test"]]);
  const leaf = pki.leaves["secure.test"];
  const server = await startInstance(
    dir.path,
    `
[proxy]
mode = "server"
bind_addr = "127.0.0.1:${tunnelPort}"
username = "u"
password = "p"
map_https_bind = "127.0.0.1:${httpsPort}"
map_cert = "${leaf.certFile}"
map_key = "${leaf.keyFile}"
`,
    [],
    "server.toml",
  );
  const client = await startInstance(
    dir.path,
    `
[proxy]
server = "127.0.0.1:${tunnelPort}"
username = "u"
password = "p"

[[proxy.mappings]]
name = "secure"
mode = "https"
local_addr = "127.0.0.1:${origin.port}"
domain = "secure.test"
`,
    [],
    "client.toml",
  );
  try {
    const url = `https://secure.test:${httpsPort}/doc`;
    const resolve = `secure.test:${httpsPort}:127.0.0.1`;
    let last = 0;
    await eventually(
      async () => {
        try {
          last = (await curlResponse("--cacert", pki.caFile, "--resolve", resolve, url)).status;
        } catch {
          last = -1;
        }
        return last === 200;
      },
      10_000,
      "the https mapping to answer",
    );
    const r = await curlResponse("--cacert", pki.caFile, "--resolve", resolve, url);
    assert.equal(r.status, 200);
    assert.equal(r.body, "secure-inside /doc");
    assert.equal(origin.seen.at(-1)?.headers.get("host"), `secure.test:${httpsPort}`);
  } finally {
    await client.kill();
    await server.kill();
    await origin.close();
    await dir.cleanup();
  }
});
