import assert from "node:assert/strict";
import { startOrigin } from "../_support/origins.ts";
import { curl as runCurl } from "../_support/curl.ts";
import { freePort } from "../_support/ports.ts";
import { control, runMain, startCommand, startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";

async function curl(...args: string[]): Promise<{ code: number; out: string }> {
  const r = await runCurl(args);
  return { code: r.code, out: r.stdout };
}

function origin(tag: string) {
  return startOrigin(tag, (req) =>
    new Response(
      `${tag} ${new URL(req.url).pathname} xff=${req.headers.get("x-forwarded-for")} ` +
        `real=${req.headers.get("x-real-ip")} host=${req.headers.get("host")}`,
    ));
}

Deno.test("[http] through main.ts: hosts, locations, header rules, static_response, reload", async () => {
  const dir = await tempDir();
  const a = origin("A");
  const b = origin("B");
  const ctl = freePort();
  const port = freePort();
  const config = (weightB: number) => `
control = "127.0.0.1:${ctl}"
[[http.upstream]]
name = "web"
server = [{ addr = "127.0.0.1:${a.port}", weight = 100 }, { addr = "127.0.0.1:${b.port}", weight = ${weightB} }]

[[http.server]]
bind_addr = "127.0.0.1:${port}"
up_name = "site.test"
headers = ["proxy X-Real-IP {client_ip}", "+ X-Served-By wmproxy"]
[[http.server.location]]
rule = "/ok"
static_response = "I'm Ok {client_ip} {path}"
[[http.server.location]]
rule = "/"
proxy_url = "http://web"

[[http.server]]
bind_addr = "127.0.0.1:${port}"
up_name = "other.test"
[[http.server.location]]
rule = "/"
static_response = "other host"
`;
  const inst = await startInstance(dir.path, config(100));
  const url = `http://127.0.0.1:${port}`;
  try {
    const ok = await curl("-i", "-H", "Host: site.test", `${url}/ok`);
    assert.match(ok.out, /^HTTP\/1\.1 200 /);
    assert.match(ok.out, /X-Served-By: wmproxy/i);
    assert.match(ok.out, /I'm Ok 127\.0\.0\.1 \/ok$/);

    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const r = await curl("-H", "Host: site.test", `${url}/page`);
      assert.match(r.out, /^[AB] \/page xff=127\.0\.0\.1 real=127\.0\.0\.1 host=site\.test$/);
      seen.add(r.out[0]);
    }
    assert.deepEqual([...seen].sort(), ["A", "B"]);
    assert.equal((await curl("-H", "Host: other.test", `${url}/x`)).out, "other host");
    // An unknown host goes to the first server of the address.
    assert.match((await curl("-H", "Host: nobody.test", `${url}/ok`)).out, /^I'm Ok/);

    // Reload: B's weight drops to 1 → nearly everything goes to A; the address keeps its socket.
    await Deno.writeTextFile(inst.configPath, config(1));
    const r = await control(`http://127.0.0.1:${ctl}`, "reload");
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual((r.body.diff as { changed: string[] }).changed, [`tcp 127.0.0.1:${port}`]);
    let fromA = 0;
    for (let i = 0; i < 20; i++) {
      if ((await curl("-H", "Host: site.test", `${url}/p`)).out.startsWith("A")) fromA++;
    }
    assert.ok(fromA >= 19, `${fromA} of 20 from A after the reload`);
  } finally {
    await inst.kill();
    await a.close();
    await b.close();
    await dir.cleanup();
  }
});

Deno.test("wmproxy reverse-proxy -f -t -H proxies every request to the target", async () => {
  const a = origin("A");
  const port = freePort();
  const inst = await startCommand([
    "reverse-proxy",
    "-f",
    `127.0.0.1:${port}`,
    "-t",
    `127.0.0.1:${a.port}`,
    "-H",
    "proxy X-Real-IP {client_ip}",
    "-H",
    "+ X-Via wmproxy",
    "--disable-control",
  ]);
  try {
    const r = await curl("-i", "-H", "Host: any.test", `http://127.0.0.1:${port}/deep/path?q=1`);
    assert.match(r.out, /^HTTP\/1\.1 200 /);
    assert.match(r.out, /X-Via: wmproxy/i);
    assert.match(r.out, /A \/deep\/path xff=127\.0\.0\.1 real=127\.0\.0\.1 host=any\.test$/);
  } finally {
    await inst.kill();
    await a.close();
  }
});

Deno.test("wmproxy reverse-proxy refuses bad flags with exit 2", async () => {
  const bad = await runMain(["reverse-proxy", "-f", "127.0.0.1:99999", "-t", "127.0.0.1:1"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /-f: "127\.0\.0\.1:99999" is not a valid address/);
  const missing = await runMain(["reverse-proxy", "-f", "127.0.0.1:8088"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /reverse-proxy needs -f FROM and -t TO/);
  const target = await runMain(["reverse-proxy", "-f", "127.0.0.1:8088", "-t", "127.0.0.1:x"]);
  assert.equal(target.code, 2);
  assert.match(target.stderr, /-t: "http:\/\/127\.0\.0\.1:x" names no \[\[http\.upstream\]\]/);
});
