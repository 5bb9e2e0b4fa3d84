import { freePort } from "../_support/ports.ts";
import { startInstance } from "../_support/process.ts";
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
