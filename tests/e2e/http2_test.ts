import assert from "node:assert/strict";
import { decoder, encoder, sha256 } from "../_support/bytes.ts";
import { curl } from "../_support/curl.ts";
import { readExactly, readUntil, writeAll } from "../_support/io.ts";
import { startOrigin, startWsEcho } from "../_support/origins.ts";
import { makePki, type TestPki } from "../_support/pki.ts";
import { freePort } from "../_support/ports.ts";
import { control, type Instance, startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";

const BIG = 16 * 1024 * 1024;

/** 16 MiB of a repeating pattern that is not all one byte. */
function bigBody(): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(BIG);
  for (let i = 0; i < b.length; i++) b[i] = (i * 7 + (i >> 12)) & 0xff;
  return b;
}

/** `curl --http2` (or `extra` says otherwise) to a.test on `port`: HTTP version, status, body. */
async function get(p: TestPki, port: number, path: string, ...extra: string[]) {
  const r = await curl([
    "--cacert",
    p.caFile,
    "--resolve",
    `a.test:${port}:127.0.0.1`,
    "--http2",
    "-w",
    "\n%{http_version} %{http_code}",
    ...extra,
    `https://a.test:${port}${path}`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const nl = r.stdout.lastIndexOf("\n");
  const [version, status] = r.stdout.slice(nl + 1).split(" ");
  return { version, status: Number(status), body: r.stdout.slice(0, nl) };
}

Deno.test("HTTP/2 over bind_ssl: proxy and files through the same phases, 16 MiB both ways, 100 streams on one connection, HTTP/1.1 and is_ws on the same port", async () => {
  const dir = await tempDir();
  const p = await makePki(dir.path, [["a.test"]]);
  const big = bigBody();
  const bigHash = await sha256(big);
  const origin = startOrigin("O", (req, seen) => {
    const path = new URL(req.url).pathname;
    if (path === "/big") return new Response(big);
    if (path === "/echo") {
      return new Response(`${seen.bodyLength} ${seen.bodyHash}`);
    }
    if (path === "/cookie") return new Response(`cookie=${req.headers.get("cookie")}`);
    return new Response(
      `O ${seen.path} host=${req.headers.get("host")} proto=${
        req.headers.get("x-forwarded-proto")
      } real=${req.headers.get("x-real-ip")}`,
    );
  });
  const ws = startWsEcho();
  await Deno.mkdir(`${dir.path}/www`);
  await Deno.writeTextFile(`${dir.path}/www/a.txt`, "file a\n");
  const ctl = freePort();
  const port = freePort();
  const leaf = p.leaves["a.test"];
  let inst: Instance | undefined;
  try {
    inst = await startInstance(
      dir.path,
      `
control = "127.0.0.1:${ctl}"
[http]
access_log = "main short info"
[http.log_format]
short = "{method} {path} {status} {server_protocol}"
[http.log_names]
main = "${dir.path}/access.log"
[[http.server]]
bind_ssl = "127.0.0.1:${port}"
up_name = "a.test"
cert = "${leaf.certFile}"
key = "${leaf.keyFile}"
headers = ["proxy X-Real-IP {client_ip}", "+ X-Served-By wmproxy"]
[[http.server.location]]
rule = "/files"
file_server = { root = "${dir.path}/www", prefix = "/files" }
[[http.server.location]]
rule = "/denied"
deny_ip = ["127.0.0.1"]
static_response = "never"
[[http.server.location]]
rule = "/ws"
is_ws = true
proxy_url = "http://127.0.0.1:${ws.port}"
[[http.server.location]]
rule = "/"
proxy_url = "http://127.0.0.1:${origin.port}"
`,
    );
    // Proxied over HTTP/2: Host from :authority, request and response header rules applied.
    const proxied = await get(p, port, "/hello?x=1", "-D", "-");
    assert.equal(proxied.version, "2");
    assert.equal(proxied.status, 200);
    assert.match(proxied.body, /^x-served-by: wmproxy\r$/m);
    assert.match(
      proxied.body,
      new RegExp(`O /hello\\?x=1 host=a\\.test:${port} proto=https real=127\\.0\\.0\\.1$`),
    );
    // Cookie fields (HTTP/2 sends each crumb as its own) reach the upstream as one field
    // joined with "; " (RFC 9113 §8.2.3), never ", ".
    const cookies = await get(p, port, "/cookie", "-H", "Cookie: a=1", "-H", "Cookie: b=2");
    assert.deepEqual(cookies, { version: "2", status: 200, body: "cookie=a=1; b=2" });
    // A static file, and deny_ip.
    assert.deepEqual(await get(p, port, "/files/a.txt"), {
      version: "2",
      status: 200,
      body: "file a\n",
    });
    assert.equal((await get(p, port, "/denied")).status, 403);

    // 16 MiB up (with a length, then chunked upstream: curl -T sends none) and down, byte-exact.
    await Deno.writeFile(`${dir.path}/big.bin`, big);
    const up = await get(p, port, "/echo", "--data-binary", `@${dir.path}/big.bin`);
    assert.deepEqual(up, { version: "2", status: 200, body: `${BIG} ${bigHash}` });
    const streamed = await get(
      p,
      port,
      "/echo",
      "-H",
      "Content-Length:",
      "-T",
      `${dir.path}/big.bin`,
    );
    assert.equal(streamed.body, `${BIG} ${bigHash}`);
    const down = await get(p, port, "/big", "-o", `${dir.path}/down.bin`);
    assert.equal(down.version, "2");
    assert.equal(await sha256(await Deno.readFile(`${dir.path}/down.bin`)), bigHash);

    // nghttp: 100 concurrent streams on one connection.
    const before = origin.seen.length;
    const n = await new Deno.Command("nghttp", {
      args: ["-n", "-s", "-m", "100", `https://127.0.0.1:${port}/many`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(n.code, 0, decoder.decode(n.stderr));
    const rows = decoder.decode(n.stdout).split("\n").filter((l) =>
      /\s200\s+\d+\s+\/many$/.test(l)
    );
    assert.equal(rows.length, 100);
    assert.equal(origin.seen.length - before, 100);

    // HTTP/1.1 clients on the same port.
    const h1 = await get(p, port, "/one", "--http1.1");
    assert.equal(h1.version, "1.1");
    assert.match(h1.body, /^O \/one /);

    // A WebSocket upgrade over HTTP/1.1 (ALPN http/1.1) on the same port reaches is_ws.
    const conn = await Deno.connectTls({
      hostname: "127.0.0.1",
      port,
      caCerts: [await Deno.readTextFile(p.caFile)],
      alpnProtocols: ["http/1.1"],
    });
    try {
      await writeAll(
        conn,
        "GET /ws HTTP/1.1\r\nHost: a.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
          "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
      );
      assert.match(await readUntil(conn, "\r\n\r\n"), /^HTTP\/1\.1 101 /);
      const mask = [1, 2, 3, 4];
      const payload = encoder.encode("hi").map((b, i) => b ^ mask[i % 4]);
      await writeAll(conn, new Uint8Array([0x81, 0x80 | 2, ...mask, ...payload]));
      assert.deepEqual([...await readExactly(conn, 4)], [0x81, 2, 0x68, 0x69]);
    } finally {
      conn.close();
    }

    // Streams count as requests of their listener.
    const metrics = await (await fetch(`http://127.0.0.1:${ctl}/metrics`)).text();
    const counted = metrics.match(
      new RegExp(
        `^wmproxy_http_request_duration_seconds_count\\{listener="https 127\\.0\\.0\\.1:${port}",` +
          `proxy="reverse",method="GET",status="2xx"\\} (\\d+)$`,
        "m",
      ),
    );
    assert.ok(counted !== null && Number(counted[1]) >= 100, metrics);

    assert.equal((await control(`http://127.0.0.1:${ctl}`, "stop")).status, 200);
    assert.equal((await inst.exited()).code, 0);
    const log = await Deno.readTextFile(`${dir.path}/access.log`);
    // Every HTTP/2 stream has its access-log line, with its protocol as nginx logs it.
    assert.match(log, /^GET \/hello 200 HTTP\/2\.0$/m);
    assert.match(log, /^GET \/files\/a\.txt 200 HTTP\/2\.0$/m);
    assert.match(log, /^GET \/denied 403 HTTP\/2\.0$/m);
    assert.equal(log.match(/^GET \/many 200 HTTP\/2\.0$/gm)?.length, 100);
    assert.match(log, /^GET \/one 200 HTTP\/1\.1$/m);
  } finally {
    await inst?.kill();
    await origin.close();
    await ws.close();
    await dir.cleanup();
  }
});

Deno.test("http2 = false on a bind_ssl server: its address offers HTTP/1.1 only", async () => {
  const dir = await tempDir();
  const p = await makePki(dir.path, [["a.test"]]);
  const port = freePort();
  const leaf = p.leaves["a.test"];
  const inst = await startInstance(
    dir.path,
    `
[[http.server]]
bind_ssl = "127.0.0.1:${port}"
up_name = "a.test"
cert = "${leaf.certFile}"
key = "${leaf.keyFile}"
http2 = false
[[http.server.location]]
rule = "/"
static_response = "s"
`,
  );
  try {
    assert.deepEqual(await get(p, port, "/"), { version: "1.1", status: 200, body: "s" });
  } finally {
    await inst.kill();
    await dir.cleanup();
  }
});

Deno.test("HTTP/2 streams answered directly: HEAD keeps Content-Length, a chunked upstream body and a large file arrive byte-exact, answers of the proxy carry the header rules", async () => {
  const dir = await tempDir();
  const p = await makePki(dir.path, [["a.test"]]);
  const big = bigBody().subarray(0, 3 * 1024 * 1024 + 17);
  const bigHash = await sha256(big);
  const origin = startOrigin("O", (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/chunked") {
      // No length: the origin sends it chunked; the client gets the data alone.
      let i = 0;
      return new Response(
        new ReadableStream({
          pull(c) {
            if (i >= big.length) return c.close();
            c.enqueue(big.slice(i, i += 65536 + 3));
          },
        }),
      );
    }
    return new Response("1234567890", { headers: { "x-up": "yes" } });
  });
  await Deno.mkdir(`${dir.path}/www`);
  await Deno.writeFile(`${dir.path}/www/big.bin`, big);
  const dead = freePort();
  const port = freePort();
  const leaf = p.leaves["a.test"];
  const inst = await startInstance(
    dir.path,
    `
[[http.server]]
bind_ssl = "127.0.0.1:${port}"
up_name = "a.test"
cert = "${leaf.certFile}"
key = "${leaf.keyFile}"
headers = ["+ X-Rule on"]
[[http.server.location]]
rule = "/files"
file_server = { root = "${dir.path}/www", prefix = "/files" }
[[http.server.location]]
rule = "/static"
static_response = "hello {method}"
[[http.server.location]]
rule = "/dead"
proxy_url = "http://127.0.0.1:${dead}"
[[http.server.location]]
rule = "/"
proxy_url = "http://127.0.0.1:${origin.port}"
`,
  );
  try {
    const head = await get(p, port, "/up", "-I");
    assert.equal(head.status, 200);
    assert.match(head.body, /^content-length: 10\r$/m);
    assert.match(head.body, /^x-up: yes\r$/m);
    assert.match(head.body, /^x-rule: on\r$/m);
    const fileHead = await get(p, port, "/files/big.bin", "-I");
    assert.match(fileHead.body, new RegExp(`^content-length: ${big.length}\\r$`, "m"));

    const chunked = await get(p, port, "/chunked", "-o", `${dir.path}/chunked.bin`);
    assert.deepEqual([chunked.version, chunked.status], ["2", 200]);
    assert.equal(await sha256(await Deno.readFile(`${dir.path}/chunked.bin`)), bigHash);
    const file = await get(p, port, "/files/big.bin", "-o", `${dir.path}/file.bin`);
    assert.deepEqual([file.version, file.status], ["2", 200]);
    assert.equal(await sha256(await Deno.readFile(`${dir.path}/file.bin`)), bigHash);

    const stat = await get(p, port, "/static", "-i");
    assert.equal(stat.status, 200);
    assert.match(stat.body, /^x-rule: on\r$/m);
    assert.match(stat.body, /\r\n\r\nhello GET$/);
    const down = await get(p, port, "/dead", "-i");
    assert.equal(down.status, 502);
    assert.match(down.body, /^content-type: text\/plain; charset=utf-8\r$/m);
    assert.match(down.body, /\r\n\r\n502 Bad Gateway: /);
  } finally {
    await inst.kill();
    await origin.close();
    await dir.cleanup();
  }
});
