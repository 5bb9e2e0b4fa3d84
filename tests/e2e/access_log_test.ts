import assert from "node:assert/strict";
import { curl as runCurl } from "../_support/curl.ts";
import { freePort } from "../_support/ports.ts";
import { control, type Instance, runMain, startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";

async function curl(...args: string[]): Promise<string> {
  return (await runCurl(args)).stdout;
}

Deno.test("access_log writes one formatted line per request, inherited, flushed on /stop", async () => {
  const dir = await tempDir();
  const ac = new AbortController();
  const origin = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} },
    (req) => new Response("o", { status: new URL(req.url).pathname === "/teapot" ? 418 : 200 }),
  );
  const ctl = freePort();
  const port = freePort();
  const dead = freePort();
  let inst: Instance | undefined;
  try {
    inst = await startInstance(
      dir.path,
      `
control = "127.0.0.1:${ctl}"
[http]
access_log = "main full info"
error_log = "errors"
[http.log_format]
full = "{d(%Y-%m-%d %H:%M:%S)} {client_ip} {l} {method} {url} path={path} query={query} host={host} status={status} up={up_status} ref={referer} ua={user_agent} cookie={cookie}"
short = "{l} {path} {status}"
[http.log_names]
main = "${dir.path}/logs/access.log"
other = "${dir.path}/nested/dir/other.log"
errors = "${dir.path}/logs/error.log"
[[http.server]]
bind_addr = "127.0.0.1:${port}"
[[http.server.location]]
rule = "/static"
static_response = "hi"
access_log = "other short warn"
[[http.server.location]]
rule = "/dead"
proxy_url = "http://127.0.0.1:${dead}"
[[http.server.location]]
rule = "/"
proxy_url = "http://127.0.0.1:${origin.addr.port}"
`,
    );
    const base = `http://127.0.0.1:${port}`;
    await curl(
      "-H",
      "Host: Site.Test:8080",
      "-A",
      "agent/1",
      "-e",
      "http://ref.test/",
      "-b",
      "k=v",
      `${base}/a/b?x=1&y=2`,
    );
    await curl(`${base}/teapot`);
    await curl(`${base}/static/x`);
    await curl(`${base}/dead/y`);
    const stopped = await control(`http://127.0.0.1:${ctl}`, "stop");
    assert.equal(stopped.status, 200);
    assert.equal((await inst.exited()).code, 0);

    const access = (await Deno.readTextFile(`${dir.path}/logs/access.log`)).split("\n");
    assert.equal(access.length, 4, access.join("\n"));
    assert.match(
      access[0],
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d 127\.0\.0\.1 INFO GET \/a\/b\?x=1&y=2 path=\/a\/b query=x=1&y=2 host=site\.test status=200 up=200 ref=http:\/\/ref\.test\/ ua=agent\/1 cookie=k=v$/,
    );
    assert.match(
      access[1],
      / GET \/teapot path=\/teapot query= host=127\.0\.0\.1 status=418 up=418 ref= ua=curl\/[^ ]+ cookie=$/,
    );
    assert.match(access[2], / GET \/dead\/y path=\/dead\/y .* status=502 up=- /);
    assert.equal(access[3], "");
    // The /static location has its own log and format (inheritance overridden).
    assert.equal(
      await Deno.readTextFile(`${dir.path}/nested/dir/other.log`),
      "WARN /static/x 200\n",
    );
    const errors = await Deno.readTextFile(`${dir.path}/logs/error.log`);
    assert.match(
      errors,
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ERROR 127\.0\.0\.1 GET 127\.0\.0\.1\/dead\/y 502: .+\n$/,
    );
  } finally {
    await inst?.kill();
    ac.abort();
    await origin.finished;
    await dir.cleanup();
  }
});

Deno.test("main.ts refuses an access_log naming an unknown log, with its line", async () => {
  const dir = await tempDir();
  try {
    const path = `${dir.path}/bad.toml`;
    await Deno.writeTextFile(
      path,
      `[http]\n[http.log_format]\nmain = "{status}"\n[[http.server]]\nbind_addr = "127.0.0.1:${freePort()}"\naccess_log = "nowhere main"\n`,
    );
    const r = await runMain(["check", "-c", path]);
    const out = r.stdout + r.stderr;
    assert.notEqual(r.code, 0, out);
    assert.match(
      out,
      /http\.server\[0\]\.access_log: "nowhere main" names no \[http\.log_names\] entry "nowhere".*\(line 6\)/,
    );
  } finally {
    await dir.cleanup();
  }
});
