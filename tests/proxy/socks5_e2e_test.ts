import assert from "node:assert/strict";
import { curl } from "../_support/curl.ts";
import { readToEnd } from "../_support/io.ts";
import { freePort } from "../_support/ports.ts";
import { type Instance, startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";
import { startUdpEcho } from "../_support/udp.ts";
import { python, startHttpBackend, UDP_CLIENT_PY } from "./socks5_harness.ts";

// main.ts with a [proxy] section, driven by curl and a python3 client as users run them.

function proxyConfig(port: number, extra = ""): string {
  return `
disable_control = true
default_level = "debug"

[proxy]
bind_addr = "127.0.0.1:${port}"
flag = "http https socks5"
username = "u"
password = "p"
handshake_timeout = "500ms"
${extra}
`;
}

async function withInstance(
  extra: string,
  body: (inst: Instance, port: number) => Promise<void>,
): Promise<void> {
  const dir = await tempDir();
  const port = freePort();
  let inst: Instance | undefined;
  try {
    inst = await startInstance(dir.path, proxyConfig(port, extra));
    await body(inst, port);
  } finally {
    await inst?.kill();
    await dir.cleanup();
  }
}

Deno.test("main.ts [proxy]: curl through SOCKS5 with credentials; a wrong password is logged", async () => {
  const backend = startHttpBackend();
  try {
    await withInstance("", async (inst, port) => {
      const url = `http://localhost:${backend.port}/`;
      const ok = await curl(["-x", `socks5h://u:p@127.0.0.1:${port}`, url]);
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(ok.stdout, "hello from 127.0.0.1");
      await inst.waitFor(new RegExp(`socks5: conn \\d+ .*CONNECT localhost:${backend.port} via`));
      const from = inst.lines.length;
      const bad = await curl(["-x", `socks5h://u:nope@127.0.0.1:${port}`, url]);
      assert.equal(bad.code, 97, bad.stderr);
      const line = await inst.waitFor(/authentication failed for user "u"/, from);
      assert.match(line, /\[WRN\] wmproxy\.proxy\.socks5:/);
    });
  } finally {
    await backend.close();
  }
});

Deno.test("main.ts [proxy]: UDP ASSOCIATE from a python3 client with credentials", async () => {
  const echo = startUdpEcho("echo:");
  try {
    await withInstance("", async (_inst, port) => {
      const res = await python(UDP_CLIENT_PY, [
        "127.0.0.1",
        String(port),
        "127.0.0.1",
        String(echo.port),
        "lock-first",
        "u",
        "p",
      ]);
      assert.equal(res.code, 0, res.stderr);
      const out = JSON.parse(res.stdout);
      assert.equal(out.reply, 0);
      assert.equal(out.relay[0], "127.0.0.1");
      assert.equal(out.datagrams[0].payload, "echo:hello");
      assert.equal(echo.received(), 6, "only the client's whole datagrams reached the echo");
    });
  } finally {
    await echo.close();
  }
});

Deno.test("main.ts [proxy]: a stalled SOCKS5 handshake is closed after handshake_timeout, then curl works", async () => {
  const backend = startHttpBackend();
  try {
    await withInstance("", async (inst, port) => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      try {
        await conn.write(Uint8Array.from([0x05, 0x02, 0x00])); // one method short
        assert.equal((await readToEnd(conn)).length, 0);
      } finally {
        conn.close();
      }
      await inst.waitFor(/socks5: conn \d+ .*handshake not complete within 500 ms/);
      const ok = await curl([
        "-x",
        `socks5://u:p@127.0.0.1:${port}`,
        `http://127.0.0.1:${backend.port}/`,
      ]);
      assert.equal(ok.code, 0, ok.stderr);
    });
  } finally {
    await backend.close();
  }
});

Deno.test("main.ts [proxy]: deny_ip turns a client away with reply 0x02", async () => {
  await withInstance('deny_ip = "127.0.0.0/8"', async (inst, port) => {
    const res = await curl(["-x", `socks5://u:p@127.0.0.1:${port}`, "http://127.0.0.1:9/"]);
    assert.equal(res.code, 97, res.stderr);
    await inst.waitFor(/socks5: conn \d+ .*client address not allowed/);
  });
});
