import assert from "node:assert/strict";
import { startOrigin } from "../_support/origins.ts";
import { decoder, encoder } from "../_support/bytes.ts";
import { curl as runCurl, servedCertName } from "../_support/curl.ts";
import { makePki, type TestPki } from "../_support/pki.ts";
import { freePort } from "../_support/ports.ts";
import { control, runMain, startCommand, startInstance } from "../_support/process.ts";
import { runPython } from "../_support/python.ts";
import { tempDir } from "../_support/temp.ts";

async function curl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await runCurl(args);
  return { code: r.code, out: r.stdout, err: r.stderr };
}

/** A plain HTTP origin answering with what the proxy told it. */
function origin(tag: string, tls?: { cert: string; key: string }) {
  return startOrigin(tag, (req) =>
    new Response(
      `${tag} ${new URL(req.url).pathname} proto=${req.headers.get("x-forwarded-proto")} ` +
        `host=${req.headers.get("host")}`,
    ), { tls });
}

let pki: TestPki | undefined;
let pkiDir: { path: string; cleanup: () => Promise<void> } | undefined;
async function certs(): Promise<TestPki> {
  pkiDir ??= await tempDir();
  pki ??= await makePki(pkiDir.path, [
    ["a.test"],
    ["b.test", "*.b.test"],
    ["b.renewed", "b.test", "*.b.test"],
    ["origin.test"],
  ]);
  return pki;
}

function tlsServers(p: TestPki, port: number, originPort: number, bLeaf = "b.test"): string {
  const a = p.leaves["a.test"];
  const b = p.leaves[bLeaf];
  return `
[[http.server]]
bind_ssl = "127.0.0.1:${port}"
up_name = "a.test"
cert = "${a.certFile}"
key = "${a.keyFile}"
[[http.server.location]]
rule = "/"
proxy_url = "http://127.0.0.1:${originPort}"

[[http.server]]
bind_ssl = "127.0.0.1:${port}"
up_name = "b.test *.b.test"
cert = "${b.certFile}"
key = "${b.keyFile}"
[[http.server.location]]
rule = "/"
static_response = "B {scheme} {host}"
`;
}

Deno.test("TLS termination: SNI picks each server's certificate, Host routes, reload swaps certificates on the same socket", async () => {
  const p = await certs();
  const dir = await tempDir();
  const o = origin("O");
  const ctl = freePort();
  const port = freePort();
  const head = `control = "127.0.0.1:${ctl}"\n[http]\n`;
  const inst = await startInstance(dir.path, head + tlsServers(p, port, o.port));
  let kept: Deno.TlsConn | undefined;
  try {
    assert.equal(await servedCertName(port, "a.test", p.caFile), "a.test");
    assert.equal(await servedCertName(port, "b.test", p.caFile), "b.test");
    assert.equal(await servedCertName(port, "x.b.test", p.caFile), "b.test");
    // An unknown name gets the first server's certificate (the default server).
    assert.equal(await servedCertName(port, "other.test", p.caFile).catch(() => ""), "a.test");

    const viaA = await curl(
      "--cacert",
      p.caFile,
      "--resolve",
      `a.test:${port}:127.0.0.1`,
      `https://a.test:${port}/hello`,
    );
    assert.equal(viaA.out, `O /hello proto=https host=a.test:${port}`);
    const viaB = await curl(
      "--cacert",
      p.caFile,
      "--resolve",
      `x.b.test:${port}:127.0.0.1`,
      `https://x.b.test:${port}/`,
    );
    assert.equal(viaB.out, "B https x.b.test");
    // No SNI at all (an IP address): the default server's certificate, which covers the IP.
    const byIp = await curl("--cacert", p.caFile, `https://127.0.0.1:${port}/ip`);
    assert.equal(byIp.out, `O /ip proto=https host=127.0.0.1:${port}`);

    // A keep-alive TLS connection opened before the reload.
    kept = await Deno.connectTls({
      hostname: "127.0.0.1",
      port,
      caCerts: [await Deno.readTextFile(p.caFile)],
    });
    const ask = async () => {
      await kept!.write(encoder.encode("GET /kept HTTP/1.1\r\nHost: a.test\r\n\r\n"));
      const buf = new Uint8Array(4096);
      let text = "";
      while (!text.includes("proto=https")) {
        const n = await kept!.read(buf);
        if (n === null) break;
        text += decoder.decode(buf.subarray(0, n));
      }
      return text;
    };
    assert.match(await ask(), /^HTTP\/1\.1 200[\s\S]*O \/kept proto=https/);

    await Deno.writeTextFile(inst.configPath, head + tlsServers(p, port, o.port, "b.renewed"));
    const r = await control(`http://127.0.0.1:${ctl}`, "reload");
    assert.equal(r.status, 200);
    const diff = r.body.diff as Record<string, string[]>;
    assert.deepEqual(diff.added, []);
    assert.deepEqual(diff.changed, [`tls 127.0.0.1:${port}`]);
    assert.equal(await servedCertName(port, "b.test", p.caFile), "b.renewed");
    assert.equal(await servedCertName(port, "a.test", p.caFile), "a.test");
    assert.match(await ask(), /^HTTP\/1\.1 200[\s\S]*O \/kept proto=https/);
  } finally {
    kept?.close();
    await inst.kill();
    await o.close();
    await dir.cleanup();
  }
});

Deno.test("TLS: an address switched between plain and TLS by reload serves the new way", async () => {
  const p = await certs();
  const dir = await tempDir();
  const ctl = freePort();
  const port = freePort();
  const a = p.leaves["a.test"];
  const config = (key: "bind_addr" | "bind_ssl") => `
control = "127.0.0.1:${ctl}"
[[http.server]]
${key} = "127.0.0.1:${port}"
cert = "${a.certFile}"
key = "${a.keyFile}"
[[http.server.location]]
rule = "/"
static_response = "{scheme}"
`;
  const inst = await startInstance(dir.path, config("bind_addr"));
  try {
    assert.equal((await curl(`http://127.0.0.1:${port}/`)).out, "http");
    assert.ok(inst.lines.some((l) => /cert: only applies to bind_ssl addresses/.test(l)));
    await Deno.writeTextFile(inst.configPath, config("bind_ssl"));
    const r = await control(`http://127.0.0.1:${ctl}`, "reload");
    assert.equal(r.status, 200);
    assert.equal((await curl("--cacert", p.caFile, `https://127.0.0.1:${port}/`)).out, "https");
    // Plain HTTP to the TLS socket: that connection is closed with one log line, no stack.
    const from = inst.lines.length;
    assert.notEqual((await curl("-m", "5", `http://127.0.0.1:${port}/`)).out, "http");
    await inst.waitFor(/\[WRN\] wmproxy\.reverse: conn \d+ 127\.0\.0\.1:\d+: TLS failed: /, from);
    assert.equal((await curl("--cacert", p.caFile, `https://127.0.0.1:${port}/`)).out, "https");
    assert.ok(!inst.lines.slice(from).some((l) => /^\s+at /.test(l)), inst.log());
  } finally {
    await inst.kill();
    await dir.cleanup();
  }
});

Deno.test("TLS: a client that never starts its handshake is let go after client_read_timeout", async () => {
  const p = await certs();
  const dir = await tempDir();
  const port = freePort();
  const ctl = freePort();
  const a = p.leaves["a.test"];
  const inst = await startInstance(
    dir.path,
    `control = "127.0.0.1:${ctl}"
[http]
client_read_timeout = "1s"
[[http.server]]
bind_ssl = "127.0.0.1:${port}"
cert = "${a.certFile}"
key = "${a.keyFile}"
[[http.server.location]]
rule = "/"
static_response = "ok"
`,
  );
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    // Silent: no ClientHello. Deno keeps the socket itself open until the client goes (see
    // README), but the proxy gives the connection up at the deadline.
    await inst.waitFor(/conn \d+ 127\.0\.0\.1:\d+: no request in time; closed/);
    let open = -1;
    for (let i = 0; i < 50 && open !== 0; i++) {
      open = (await control(`http://127.0.0.1:${ctl}`, "status")).body.open_connections as number;
    }
    assert.equal(open, 0, "the connection is still counted open");
    assert.equal((await curl("--cacert", p.caFile, `https://127.0.0.1:${port}/`)).out, "ok");
  } finally {
    conn.close();
    await inst.kill();
    await dir.cleanup();
  }
});

Deno.test("TLS config errors name the key and line; an invalid certificate on /reload is refused", async () => {
  const p = await certs();
  const dir = await tempDir();
  const a = p.leaves["a.test"];
  const b = p.leaves["b.test"];
  const port = freePort();
  const check = async (server: string) => {
    const path = `${dir.path}/bad.toml`;
    await Deno.writeTextFile(path, `[[http.server]]\n${server}\n`);
    return await runMain(["check", "-c", path]);
  };
  const noCert = await check(`bind_ssl = "127.0.0.1:${port}"`);
  assert.equal(noCert.code, 2);
  assert.match(noCert.stderr, /http\.server\[0\]\.bind_ssl: needs cert and key.*\(line 2\)/);
  const mismatch = await check(
    `bind_ssl = "127.0.0.1:${port}"\ncert = "${a.certFile}"\nkey = "${b.keyFile}"`,
  );
  assert.equal(mismatch.code, 2);
  assert.match(
    mismatch.stderr,
    /http\.server\[0\]\.key: ".*b\.test\.key" is not the key of .*\(line 4\)/,
  );
  const missing = await check(
    `bind_ssl = "127.0.0.1:${port}"\ncert = "${dir.path}/none.crt"\nkey = "${a.keyFile}"`,
  );
  assert.equal(missing.code, 2);
  assert.match(
    missing.stderr,
    /http\.server\[0\]\.cert: ".*none\.crt" does not exist, expected .*\(line 3\)/,
  );
  assert.doesNotMatch(missing.stderr + mismatch.stderr + noCert.stderr, /^\s+at /m);

  const ctl = freePort();
  const good = `control = "127.0.0.1:${ctl}"
[[http.server]]
bind_ssl = "127.0.0.1:${port}"
cert = "${a.certFile}"
key = "${a.keyFile}"
[[http.server.location]]
rule = "/"
static_response = "ok"
`;
  const inst = await startInstance(dir.path, good);
  try {
    await Deno.writeTextFile(inst.configPath, good.replace(a.keyFile, b.keyFile));
    const r = await control(`http://127.0.0.1:${ctl}`, "reload");
    assert.equal(r.status, 400);
    assert.match(String(r.body.errors), /http\.server\[0\]\.key: .* is not the key of/);
    assert.equal((await curl("--cacert", p.caFile, `https://127.0.0.1:${port}/`)).out, "ok");
  } finally {
    await inst.kill();
    await dir.cleanup();
  }
});

Deno.test("https upstreams: reverse-proxy --tls checks the certificate (DENO_CERT) and --access-log writes lines", async () => {
  const p = await certs();
  const dir = await tempDir();
  const leaf = p.leaves["origin.test"];
  const o = origin("TLS", { cert: leaf.cert, key: leaf.key });
  const port = freePort();
  const log = `${dir.path}/access.log`;
  const trusted = await startCommand(
    [
      "reverse-proxy",
      "-f",
      `127.0.0.1:${port}`,
      "-t",
      `127.0.0.1:${o.port}`,
      "--tls",
      "--access-log",
      log,
    ],
    { DENO_CERT: p.caFile },
  );
  try {
    const r = await curl(`http://127.0.0.1:${port}/secure?x=1`, "-H", "Host: shop.test");
    assert.equal(r.out, "TLS /secure proto=http host=shop.test");
  } finally {
    // SIGTERM: a clean stop flushes the access log.
    trusted.process.kill("SIGTERM");
    await trusted.exited();
  }
  const line = (await Deno.readTextFile(log)).trim().split("\n").at(-1)!;
  assert.match(
    line,
    /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d 127\.0\.0\.1 \w+ \/secure\?x=1 path:\/secure/,
  );
  assert.match(line, /query:x=1 host:shop\.test status: 200 200/);

  // Without the CA the origin's certificate is not trusted: 502, nothing reaches it.
  const untrusted = await startCommand([
    "reverse-proxy",
    "-f",
    `127.0.0.1:${port}`,
    "-t",
    `https://127.0.0.1:${o.port}`,
  ]);
  try {
    const r = await curl("-o", "/dev/null", "-w", "%{http_code}", `http://127.0.0.1:${port}/`);
    assert.equal(r.out, "502");
  } finally {
    await untrusted.kill();
    await o.close();
    await dir.cleanup();
  }
});

Deno.test("file-server --listen-ssl serves the same files over HTTPS", async () => {
  const p = await certs();
  const dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/hello.txt`, "hello over tls\n");
  const plain = freePort();
  const secure = freePort();
  const a = p.leaves["a.test"];
  const inst = await startCommand([
    "file-server",
    "-r",
    dir.path,
    "-l",
    `127.0.0.1:${plain}`,
    "--listen-ssl",
    `127.0.0.1:${secure}`,
    "--cert",
    a.certFile,
    "--key",
    a.keyFile,
    "--disable-control",
  ]);
  try {
    const viaTls = await curl(
      "--cacert",
      p.caFile,
      "--resolve",
      `a.test:${secure}:127.0.0.1`,
      `https://a.test:${secure}/hello.txt`,
    );
    assert.equal(viaTls.out, "hello over tls\n", viaTls.err);
    assert.equal((await curl(`http://127.0.0.1:${plain}/hello.txt`)).out, "hello over tls\n");
  } finally {
    await inst.kill();
    await dir.cleanup();
  }
});

Deno.test("is_ws behind TLS: a python websockets client over wss through main.ts", async () => {
  const p = await certs();
  const dir = await tempDir();
  const ac = new AbortController();
  const echo = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} },
    (req) => {
      const proto = req.headers.get("x-forwarded-proto");
      const { socket, response } = Deno.upgradeWebSocket(req);
      socket.onmessage = (e) => {
        try {
          socket.send(`${e.data} via ${proto}`);
        } catch {
          // the client went away first
        }
      };
      socket.onerror = () => {};
      return response;
    },
  );
  const port = freePort();
  const a = p.leaves["a.test"];
  const inst = await startInstance(
    dir.path,
    `[[http.server]]
bind_ssl = "127.0.0.1:${port}"
up_name = "a.test"
cert = "${a.certFile}"
key = "${a.keyFile}"
[[http.server.location]]
rule = "@ws"
is_ws = true
proxy_url = "http://127.0.0.1:${echo.addr.port}"
`,
  );
  const script = `
import asyncio, ssl, sys, websockets
async def main():
    ctx = ssl.create_default_context(cafile=sys.argv[2])
    async with websockets.connect(sys.argv[1], ssl=ctx, server_hostname="a.test") as ws:
        await ws.send("hello")
        print(await ws.recv())
asyncio.run(main())
`;
  try {
    const r = await runPython(["-c", script, `wss://127.0.0.1:${port}/chat`, p.caFile], {
      modules: ["websockets"],
    });
    assert.equal(r.stdout.trim(), "hello via https", r.stderr);
  } finally {
    await inst.kill();
    ac.abort();
    await echo.finished;
    await dir.cleanup();
  }
});

Deno.test({
  name: "TLS test fixtures are removed",
  fn: async () => {
    await pkiDir?.cleanup();
  },
});
