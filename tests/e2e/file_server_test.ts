import assert from "node:assert/strict";
import { curl as runCurl, curlResponse as curl } from "../_support/curl.ts";
import { rssKib } from "../_support/idle.ts";
import { rawExchange as raw, statusOf } from "../_support/io.ts";
import { makePki } from "../_support/pki.ts";
import { freePort, refuses } from "../_support/ports.ts";
import { control, runMain, startCommand, startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";

/** A served tree: `root/` with files, `secret.txt` and `outside/` next to it. */
async function tree(dir: string): Promise<string> {
  const root = `${dir}/root`;
  await Deno.mkdir(`${root}/docs`, { recursive: true });
  await Deno.mkdir(`${dir}/outside`);
  await Deno.writeTextFile(`${dir}/secret.txt`, "TOP SECRET\n");
  await Deno.writeTextFile(`${dir}/outside/secret.txt`, "TOP SECRET\n");
  await Deno.writeTextFile(`${root}/index.html`, "<h1>home</h1>");
  await Deno.writeTextFile(`${root}/a.txt`, "0123456789");
  await Deno.writeTextFile(`${root}/notes.md`, "# notes");
  await Deno.writeTextFile(`${root}/app.js`, "plain js");
  await Deno.writeTextFile(`${root}/app.js.br`, "BROTLI");
  await Deno.writeTextFile(`${root}/app.js.gz`, "GZIP");
  await Deno.writeTextFile(`${root}/docs/<b>&\"x\".txt`, "escaped");
  await Deno.writeTextFile(`${root}/.env`, "SECRET=1");
  await Deno.writeTextFile(`${dir}/404.html`, "<p>no such page</p>");
  await Deno.symlink(`${dir}/outside/secret.txt`, `${root}/out.txt`);
  return root;
}

async function verbose(...args: string[]): Promise<string> {
  return (await runCurl(["-v", ...args])).stderr;
}

Deno.test("wmproxy file-server serves ROOT with every flag (curl and raw requests)", async () => {
  const dir = await tempDir();
  const root = await tree(dir.path);
  const port = freePort();
  const base = `http://127.0.0.1:${port}`;
  const inst = await startCommand([
    "file-server",
    "-r",
    root,
    "-l",
    `127.0.0.1:${port}`,
    "-b",
    "--robots",
    "User-agent: *",
    "--path404",
    `${dir.path}/404.html`,
    "-c",
    "1h",
    "-e",
    "md=text/x-notes",
    "--cors",
    "-H",
    "+ X-By wmproxy",
    "--access-log",
    `${dir.path}/access.log`,
    "--disable-control",
  ]);
  try {
    const home = await curl(`${base}/`);
    assert.deepEqual([home.status, home.body], [200, "<h1>home</h1>"]);
    const a = await curl(`${base}/a.txt`);
    assert.equal(a.body, "0123456789");
    assert.equal(a.headers.get("content-type"), "text/plain; charset=utf-8");
    assert.equal(a.headers.get("cache-control"), "max-age=3600");
    assert.equal(a.headers.get("access-control-allow-origin"), "*");
    assert.equal(a.headers.get("x-by"), "wmproxy");
    assert.equal(a.headers.get("content-length"), "10");
    assert.equal(
      (await curl(`${base}/notes.md`)).headers.get("content-type"),
      "text/x-notes; charset=utf-8",
    );
    const etag = a.headers.get("etag")!;
    assert.equal((await curl("-H", `If-None-Match: ${etag}`, `${base}/a.txt`)).status, 304);
    const lm = a.headers.get("last-modified")!;
    assert.equal((await curl("-H", `If-Modified-Since: ${lm}`, `${base}/a.txt`)).status, 304);
    const part = await curl("-H", "Range: bytes=3-4", `${base}/a.txt`);
    assert.deepEqual([part.status, part.body, part.headers.get("content-range")], [
      206,
      "34",
      "bytes 3-4/10",
    ]);
    assert.equal((await curl("-H", "Range: bytes=99-", `${base}/a.txt`)).status, 416);
    const ifRange = await curl("-H", "Range: bytes=0-1", "-H", `If-Range: ${lm}`, `${base}/a.txt`);
    assert.deepEqual([ifRange.status, ifRange.body], [206, "01"]);
    const stale = await curl("-H", "Range: bytes=0-1", "-H", `If-Range: ${etag}`, `${base}/a.txt`);
    assert.deepEqual([stale.status, stale.body], [200, "0123456789"]);
    const gz = await curl("-H", "Accept-Encoding: gzip", `${base}/app.js`);
    assert.deepEqual([gz.body, gz.headers.get("content-encoding")], ["GZIP", "gzip"]);
    const br = await curl("-H", "Accept-Encoding: br", `${base}/app.js`);
    assert.deepEqual([br.body, br.headers.get("content-encoding"), br.headers.get("vary")], [
      "BROTLI",
      "br",
      "Accept-Encoding",
    ]);
    const listing = await curl(`${base}/docs/`);
    assert.match(listing.body, /&lt;b&gt;&amp;&quot;x&quot;\.txt/);
    assert.doesNotMatch(listing.body, /<b>/);
    assert.equal((await curl(`${base}/robots.txt`)).body, "User-agent: *");
    const miss = await curl(`${base}/missing`);
    assert.deepEqual([miss.status, miss.body], [404, "<p>no such page</p>"]);
    for (const p of ["/.env", "/out.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt"]) {
      const r = await curl("--path-as-is", `${base}${p}`);
      assert.ok(r.status === 404 || r.status === 400, `${p}: ${r.status}`);
      assert.doesNotMatch(r.body, /SECRET/, p);
    }
    for (const p of ["/../secret.txt", "/..%5csecret.txt", "/..\\secret.txt", "/a.txt%00"]) {
      const reply = await raw(port, `GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      assert.ok([400, 404].includes(statusOf(reply)), `${p}: ${reply.slice(0, 40)}`);
      assert.doesNotMatch(reply, /SECRET/, p);
    }
    const head = await raw(port, "HEAD /a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert.equal(statusOf(head), 200);
    // Deno.serve writes the length it sets in lower case: names are case-insensitive.
    assert.match(head, /\r\ncontent-length: 10\r\n/i);
    assert.ok(head.endsWith("\r\n\r\n"), `HEAD sent a body: ${JSON.stringify(head)}`);
    // Keep-alive: two requests on one connection, pipelined.
    const two = await raw(
      port,
      "GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /robots.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert.match(
      two,
      /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n0123456789HTTP\/1\.1 200 OK\r\n[\s\S]*User-agent: \*$/,
    );
    const reuse = await verbose(`${base}/a.txt`, `${base}/index.html`);
    assert.match(reuse, /Re-using existing connection/);
  } finally {
    inst.process.kill("SIGTERM");
    await inst.exited();
  }
  const log = await Deno.readTextFile(`${dir.path}/access.log`);
  assert.match(log, /127\.0\.0\.1 \[[\d-]+ [\d:]+\] "GET \/a\.txt" 200 "" "curl\/[\d.]+"/);
  await dir.cleanup();
});

Deno.test("run -c: a file_server location next to a proxied one, with try_paths, deny_ip, limit_req and header rules", async () => {
  const dir = await tempDir();
  const root = await tree(dir.path);
  const ac = new AbortController();
  const origin = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} },
    (req) => new Response(`origin ${new URL(req.url).pathname}`),
  );
  const port = freePort();
  const base = `http://127.0.0.1:${port}`;
  const inst = await startInstance(
    dir.path,
    `
disable_control = true
[http.limit_req_zone]
one = "{client_ip} limit=1m rate=1r/m"
[[http.server]]
bind_addr = "127.0.0.1:${port}"
root = "${root}"
headers = ["+ X-Server wm"]
[[http.server.location]]
rule = "/static"
file_server = { browse = true }
headers = ["- Accept-Ranges"]
[[http.server.location]]
rule = "/spa"
file_server = {}
try_paths = "{path} '/spa/(.*) {path} /spa/docs/$1' /spa/index.html"
[[http.server.location]]
rule = "/strict"
file_server = {}
try_paths = "{path} =410"
[[http.server.location]]
rule = "/stream"
file_server = { open_file_cache_max_file = 0, precompressed = [] }
[[http.server.location]]
rule = "/limited"
limit_req = "zone=one burst=0"
file_server = {}
[[http.server.location]]
rule = "/private"
deny_ip = "127.0.0.1"
file_server = {}
[[http.server.location]]
rule = "/"
proxy_url = "http://127.0.0.1:${origin.addr.port}"
`,
  );
  try {
    const file = await curl(`${base}/static/a.txt`);
    assert.deepEqual([file.status, file.body], [200, "0123456789"]);
    assert.equal(file.headers.get("x-server"), "wm");
    assert.equal(file.headers.get("accept-ranges"), undefined, "the location's '- NAME' rule");
    assert.equal((await curl(`${base}/static`)).headers.get("location"), "/static/");
    assert.match((await curl(`${base}/static/docs/`)).body, /Index of \/static\/docs\//);
    const proxied = await curl(`${base}/api/x`);
    assert.deepEqual([proxied.status, proxied.body], [200, "origin /api/x"]);
    assert.equal((await curl(`${base}/spa/a.txt`)).body, "0123456789");
    assert.equal((await curl(`${base}/spa/%3Cb%3E%26%22x%22.txt`)).body, "escaped");
    assert.equal((await curl(`${base}/spa/some/route`)).body, "<h1>home</h1>");
    assert.equal((await curl(`${base}/strict/nope`)).status, 410);
    assert.equal((await curl(`${base}/private/a.txt`)).status, 403);
    // Streamed from disk (nothing cached): whole, a range, and HEAD.
    const streamed = await curl(`${base}/stream/a.txt`);
    assert.deepEqual([streamed.body, streamed.headers.get("vary")], ["0123456789", undefined]);
    const range = await curl("-H", "Range: bytes=-4", `${base}/stream/a.txt`);
    assert.deepEqual([range.status, range.body], [206, "6789"]);
    const head = await raw(
      port,
      "HEAD /stream/a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert.match(head, /^HTTP\/1\.1 200 OK\r\n[\s\S]*Content-Length: 10\r\n[\s\S]*\r\n\r\n$/);
    assert.equal((await curl(`${base}/limited/a.txt`)).status, 200);
    assert.equal((await curl(`${base}/limited/a.txt`)).status, 503, "limit_req applies");
  } finally {
    await inst.kill();
    ac.abort();
    await origin.finished;
    await dir.cleanup();
  }
});

Deno.test("wmproxy file-server streams a 200 MiB file with RSS growth under 50 MiB", async () => {
  const dir = await tempDir();
  const size = 200 * 1024 * 1024;
  const file = await Deno.open(`${dir.path}/big.bin`, { create: true, write: true });
  await file.truncate(size); // sparse: instant, and still 200 MiB to read and send
  file.close();
  const port = freePort();
  const inst = await startCommand([
    "file-server",
    "-r",
    dir.path,
    "-l",
    `127.0.0.1:${port}`,
    "--disable-control",
  ]);
  try {
    const pid = inst.process.pid;
    await curl(`http://127.0.0.1:${port}/`); // warm up the listener's code paths
    const before = rssKib(pid, "VmRSS");
    const out = await runCurl([
      "-o",
      "/dev/null",
      "-w",
      "%{http_code} %{size_download}",
      `http://127.0.0.1:${port}/big.bin`,
    ]);
    assert.equal(out.stdout, `200 ${size}`);
    const peak = rssKib(pid, "VmHWM");
    const growthMiB = (peak - before) / 1024;
    assert.ok(growthMiB < 50, `peak RSS grew by ${growthMiB.toFixed(1)} MiB`);
  } finally {
    await inst.kill();
    await dir.cleanup();
  }
});

Deno.test("file_server config errors and TLS flags exit 2 with a message, no stack trace", async () => {
  const dir = await tempDir();
  try {
    await Deno.writeTextFile(
      `${dir.path}/bad.toml`,
      '[[http.server]]\nbind_addr = "127.0.0.1:1"\n[[http.server.location]]\nfile_server = { browse = "yes" }\n',
    );
    const bad = await runMain(["check", "-c", `${dir.path}/bad.toml`]);
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr,
      /http\.server\[0\]\.location\[0\]\.file_server\.browse: "yes" is not a boolean, expected true or false \(line 4\)/,
    );
    assert.doesNotMatch(bad.stderr, /\bat .*\.ts:\d+/);
    const noCert = await runMain(["file-server", "--listen-ssl", "127.0.0.1:1", "--key", "k"]);
    assert.equal(noCert.code, 2);
    assert.match(noCert.stderr, /--listen-ssl needs --cert and --key; --cert is missing/);
    await Deno.writeTextFile(`${dir.path}/c.pem`, "x");
    await Deno.writeTextFile(`${dir.path}/k.pem`, "x");
    const missing = await runMain(
      [
        "file-server",
        "--listen-ssl",
        "127.0.0.1:1",
        "--cert",
        `${dir.path}/c.pem`,
        "--key",
        "/no/key.pem",
      ],
    );
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--key: "\/no\/key\.pem" does not exist/);
    const notPem = await runMain(
      [
        "file-server",
        "--listen-ssl",
        "127.0.0.1:1",
        "--cert",
        `${dir.path}/c.pem`,
        "--key",
        `${dir.path}/k.pem`,
      ],
    );
    assert.equal(notPem.code, 2);
    assert.match(notPem.stderr, /--cert: ".*c\.pem" holds no PEM certificate/);
    const badFlag = await runMain(["file-server", "-l", "nowhere", "-c", "soon"]);
    assert.equal(badFlag.code, 2);
    assert.match(badFlag.stderr, /-l: "nowhere" is not a valid address/);
    assert.match(badFlag.stderr, /-c: "soon" is not a duration/);
  } finally {
    await dir.cleanup();
  }
});

async function curlOut(...args: string[]): Promise<string> {
  return (await runCurl(args)).stdout;
}

Deno.test("wmproxy file-server --listen-ssl serves HTTPS with HTTP/2 by ALPN next to plain -l addresses", async () => {
  const dir = await tempDir();
  const root = await tree(dir.path);
  const pki = await makePki(dir.path, [["files.test"]]);
  const leaf = pki.leaves["files.test"];
  const [plainA, plainB, tls] = [freePort(), freePort(), freePort()];
  const inst = await startCommand([
    "file-server",
    "-r",
    root,
    "-l",
    `127.0.0.1:${plainA}`,
    "-l",
    `127.0.0.1:${plainB}`,
    "--listen-ssl",
    `127.0.0.1:${tls}`,
    "--cert",
    leaf.certFile,
    "--key",
    leaf.keyFile,
    "-d",
    "files.test",
    "--disable-control",
  ]);
  try {
    assert.match(inst.lines.join("\n"), /ready: 3 listeners/);
    const resolve = ["--resolve", `files.test:${tls}:127.0.0.1`, "--cacert", pki.caFile];
    const h2 = await curlOut(
      ...resolve,
      "--http2",
      "-w",
      " %{http_version} %{http_code}",
      `https://files.test:${tls}/a.txt`,
    );
    assert.equal(h2, "0123456789 2 200");
    const h1 = await curlOut(
      ...resolve,
      "--http1.1",
      "-w",
      " %{http_version}",
      `https://files.test:${tls}/a.txt`,
    );
    assert.equal(h1, "0123456789 1.1");
    // Both plain addresses answer the -d name; another host gets the not-found answer.
    for (const port of [plainA, plainB]) {
      const ok = await curl("-H", "Host: files.test", `http://127.0.0.1:${port}/a.txt`);
      assert.deepEqual([ok.status, ok.body], [200, "0123456789"]);
    }
    const other = await curl("-H", "Host: other.test", `http://127.0.0.1:${plainA}/a.txt`);
    assert.equal(other.status, 404);
  } finally {
    inst.process.kill("SIGINT");
    const status = await inst.exited();
    assert.equal(status.code, 0, inst.log());
    await dir.cleanup();
  }
});

Deno.test("wmproxy file-server reports its Deno.serve listeners in /status and stops on /stop", async () => {
  const dir = await tempDir();
  const root = await tree(dir.path);
  const [port, controlPort] = [freePort(), freePort()];
  const inst = await startCommand([
    "file-server",
    "-r",
    root,
    "-l",
    `127.0.0.1:${port}`,
    "--control",
    `127.0.0.1:${controlPort}`,
  ]);
  try {
    assert.equal((await curl(`http://127.0.0.1:${port}/a.txt`)).body, "0123456789");
    const status = await control(`http://127.0.0.1:${controlPort}`, "status");
    const listeners = status.body.listeners as Record<string, unknown>[];
    assert.equal(listeners.length, 1);
    assert.equal(listeners[0].address, `127.0.0.1:${port}`);
    assert.equal(listeners[0].server, "Deno.serve");
    assert.ok((listeners[0].accepted as number) >= 1);
    const stop = await control(`http://127.0.0.1:${controlPort}`, "stop");
    assert.equal(stop.status, 200);
    assert.equal((await inst.exited()).code, 0);
    assert.ok(await refuses(port));
  } finally {
    await inst.kill();
    await dir.cleanup();
  }
});
