import assert from "node:assert/strict";
import { curl } from "../_support/curl.ts";
import { writeAll } from "../_support/io.ts";
import { startOrigin } from "../_support/origins.ts";
import { makePki } from "../_support/pki.ts";
import { freePort } from "../_support/ports.ts";
import { type Instance, MAIN, startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";

// main.ts with a [proxy] section (and the `proxy` verb), driven by curl as users run it.

async function withProxy(
  section: string,
  body: (inst: Instance, url: string, port: number) => Promise<void>,
): Promise<void> {
  const dir = await tempDir();
  const port = freePort();
  let inst: Instance | undefined;
  try {
    inst = await startInstance(
      dir.path,
      `disable_control = true\ndefault_level = "debug"\n\n[proxy]\n` +
        `bind_addr = "127.0.0.1:${port}"\n${section}\n`,
    );
    await body(inst, `http://127.0.0.1:${port}`, port);
  } finally {
    await inst?.kill();
    await dir.cleanup();
  }
}

Deno.test("main.ts [proxy]: HTTP and CONNECT with credentials; wrong ones get 407 and a warning", async () => {
  const dir = await tempDir();
  const pki = await makePki(dir.path, [["localhost"]]);
  const origin = startOrigin("A");
  const tls = startOrigin("TLS", undefined, { tls: pki.leaves.localhost });
  try {
    await withProxy('flag = "http https"\nusername = "u"\npassword = "p"', async (inst, url) => {
      const plain = await curl([
        "-x",
        url,
        "--proxy-user",
        "u:p",
        `http://127.0.0.1:${origin.port}/e2e`,
      ]);
      assert.equal(plain.code, 0, plain.stderr);
      assert.equal(plain.stdout, "A /e2e");
      await inst.waitFor(new RegExp(`GET http://127\\.0\\.0\\.1:${origin.port}/e2e → 200`));
      const secure = await curl([
        "--cacert",
        pki.caFile,
        "-x",
        url,
        "--proxy-user",
        "u:p",
        `https://localhost:${tls.port}/s`,
      ]);
      assert.equal(secure.code, 0, secure.stderr);
      assert.equal(secure.stdout, "TLS /s");
      const from = inst.lines.length;
      const bad = await curl([
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "-x",
        url,
        "--proxy-user",
        "u:nope",
        `http://127.0.0.1:${origin.port}/`,
      ]);
      assert.equal(bad.stdout, "407");
      const line = await inst.waitFor(/wrong proxy credentials for "u"/, from);
      assert.match(line, /\[WRN\] wmproxy\.proxy:/);
    });
  } finally {
    await origin.close();
    await tls.close();
    await dir.cleanup();
  }
});

Deno.test("main.ts [proxy]: flag and deny_ip turn requests away with 403/405", async () => {
  const origin = startOrigin("A");
  const target = `http://127.0.0.1:${origin.port}/`;
  const code = async (args: string[]) =>
    (await curl(["-o", "/dev/null", "-w", "%{http_code}%{http_connect}", ...args, target])).stdout;
  try {
    await withProxy('flag = "socks5"', async (_inst, url) => {
      assert.equal(await code(["-x", url]), "403000");
      assert.equal(await code(["-p", "-x", url]), "000405");
    });
    await withProxy('deny_ip = "127.0.0.0/8"', async (_inst, url) => {
      assert.equal(await code(["-x", url]), "403000");
    });
    assert.equal(origin.seen.length, 0);
  } finally {
    await origin.close();
  }
});

Deno.test("main.ts [proxy]: handshake_timeout closes a client that sends its head too slowly", async () => {
  const origin = startOrigin("A");
  try {
    await withProxy('handshake_timeout = "500ms"', async (inst, url, port) => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      try {
        await writeAll(conn, "GET http://127.0.0.1/ HTTP/1.1\r\n");
        // No more bytes: the proxy must give up on its own.
        const line = await inst.waitFor(/no complete request head within 500 ms/);
        assert.match(line, /\[WRN\]/);
        const buf = new Uint8Array(1024);
        let answer = "";
        while (true) {
          const n = await conn.read(buf).catch(() => null);
          if (n === null) break;
          answer += new TextDecoder().decode(buf.subarray(0, n));
        }
        assert.match(answer, /^$|^HTTP\/1\.1 408 /);
      } finally {
        conn.close();
      }
      const ok = await curl(["-x", url, `http://127.0.0.1:${origin.port}/after`]);
      assert.equal(ok.stdout, "A /after");
    });
  } finally {
    await origin.close();
  }
});

Deno.test("wmproxy proxy -b ADDR --flag http serves curl", async () => {
  const origin = startOrigin("A");
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "proxy", "-b", `127.0.0.1:${port}`, "--flag", "http"],
    stdout: "null",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  let seen = "";
  let onOutput = () => {};
  const output = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      seen += chunk;
      onOutput();
    }
  })();
  try {
    // Ready once it says so, as with `run`.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready in 20 s:\n${seen}`)), 20_000);
      onOutput = () => {
        if (/ready: \d+ listeners/.test(seen)) {
          clearTimeout(timer);
          resolve();
        }
      };
      onOutput();
    });
    const r = await curl([
      "-x",
      `http://127.0.0.1:${port}`,
      `http://127.0.0.1:${origin.port}/verb`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "A /verb");
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // exited already
    }
    await child.status;
    await output;
    await origin.close();
  }
});
