import assert from "node:assert/strict";
import { freePort } from "../_support/ports.ts";
import { runMain, startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";

Deno.test("tunnel: a client that cannot verify the server says once what to copy where", async () => {
  const dir = await tempDir();
  const port = freePort();
  const server = await startInstance(
    dir.path,
    `[proxy]\nmode = "server"\nbind_addr = "127.0.0.1:${port}"\nusername = "u"\npassword = "p"\ntc = true\nmap_tcp_bind = "127.0.0.1:${freePort()}"\n`,
    [],
    "server.toml",
  );
  // ts without ca: the system roots do not know the server's self-signed certificate.
  const client = await startInstance(
    dir.path,
    `[proxy]\nserver = "127.0.0.1:${port}"\nts = true\nusername = "u"\npassword = "p"\n` +
      `[[proxy.mappings]]\nname = "t"\nmode = "tcp"\nlocal_addr = "127.0.0.1:1"\n`,
    [],
    "client.toml",
  );
  try {
    await client.waitFor(
      /cannot verify the server's certificate .*copy the server's certificate \(wmproxy-tunnel\.crt beside its config.*name that file in ca/,
    );
  } finally {
    await client.kill();
    await server.kill();
    await dir.cleanup();
  }
});

Deno.test("tunnel: a server whose self-signed pair is half there exits 1 with one line, no stack trace", async () => {
  const dir = await tempDir();
  try {
    await Deno.writeTextFile(
      `${dir.path}/s.toml`,
      `[proxy]\nmode = "server"\nbind_addr = "127.0.0.1:${freePort()}"\nusername = "u"\n` +
        `password = "p"\ntc = true\n`,
    );
    await Deno.writeTextFile(`${dir.path}/wmproxy-tunnel.key`, "left over\n");
    const r = await runMain(["run", "-c", `${dir.path}/s.toml`, "--disable-control"]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /cannot start: tunnel bind_addr certificate: .*wmproxy-tunnel\.crt" is missing but .*wmproxy-tunnel\.key" exists/,
    );
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
  } finally {
    await dir.cleanup();
  }
});
