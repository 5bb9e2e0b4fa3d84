import assert from "node:assert/strict";
import { runMain } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";

const REFERENCE = new URL("../../../shared/reference/wmproxy/", import.meta.url);

Deno.test("wmproxy check lists a tunnel's addresses, for server.toml and client.toml", async () => {
  const dir = await tempDir();
  try {
    for (const name of ["server.toml", "client.toml"]) {
      await Deno.copyFile(new URL(name, REFERENCE), `${dir.path}/${name}`);
    }
    const server = await runMain(["check", "-c", "server.toml"], dir.path);
    assert.equal(server.code, 0, server.stderr);
    assert.deepEqual(server.stdout.trim().split("\n"), [
      "server.toml: ok, 4 listeners",
      `  proxy.bind_addr  tunnel server 0.0.0.0:8091 (TLS)`,
      `  proxy.map_http_bind  tunnel http mappings 0.0.0.0:8001`,
      `  proxy.map_https_bind  tunnel https mappings 0.0.0.0:8003 (TLS)`,
      `  proxy.map_tcp_bind  tunnel tcp mapping 0.0.0.0:8002`,
      "  control  127.0.0.1:8837",
    ]);
    assert.doesNotMatch(server.stderr, /not served/);

    const client = await runMain(["check", "-c", "client.toml"], dir.path);
    assert.equal(client.code, 0, client.stderr);
    assert.deepEqual(client.stdout.trim().split("\n"), [
      "client.toml: ok, 1 listener",
      `  proxy.bind_addr  tunnel client proxy http,https,socks5 0.0.0.0:8090 (auth) → 127.0.0.1:8091 (TLS)`,
      "  control  127.0.0.1:8838",
    ]);
  } finally {
    await dir.cleanup();
  }
});

Deno.test("wmproxy check of a bad tunnel config exits 2 with the key path and line", async () => {
  const dir = await tempDir();
  try {
    await Deno.writeTextFile(
      `${dir.path}/bad.toml`,
      '[proxy]\nmode = "server"\nbind_addr = "0.0.0.0:8091"\nallow_ports = "1-2-3"\n',
    );
    const r = await runMain(["check", "-c", "bad.toml"], dir.path);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
    assert.match(
      r.stderr,
      /proxy\.allow_ports: "1-2-3" is not a port or range, expected .* \(line 4\)/,
    );
  } finally {
    await dir.cleanup();
  }
});
