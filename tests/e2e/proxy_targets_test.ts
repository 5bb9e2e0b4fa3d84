/**
 * The forward proxy refuses to reach this process (SSRF): an authenticated client must not read
 * `/now` or call `/stop` on the control endpoint through it, by absolute-form HTTP, CONNECT,
 * SOCKS5, a name or `0.0.0.0`; `target_deny` and `target_allow` say more.
 */
import assert from "node:assert/strict";
import { curl, curlResponse } from "../_support/curl.ts";
import { startOrigin } from "../_support/origins.ts";
import { freePort } from "../_support/ports.ts";
import { control, type Instance, startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";

const AUTH = "user:secret";

/** A `[proxy]` (authenticated, on loopback) and a control endpoint, plus `extra` lines. */
function config(ctl: number, port: number, extra = ""): string {
  return `control = "127.0.0.1:${ctl}"
[proxy]
bind_addr = "127.0.0.1:${port}"
username = "user"
password = "secret"
${extra}`;
}

/** curl through the proxy's HTTP side (absolute-form). */
function viaHttp(port: number, url: string, ...args: string[]) {
  return curlResponse("-x", `http://${AUTH}@127.0.0.1:${port}`, ...args, url);
}

/** The status a CONNECT through the proxy got (`%{http_connect}`), and curl's result. */
async function viaConnect(port: number, url: string) {
  const r = await curl([
    "-p",
    "-x",
    `http://${AUTH}@127.0.0.1:${port}`,
    "-o",
    "/dev/null",
    "-w",
    "%{http_connect} %{http_code}",
    url,
  ]);
  const [connect, code] = r.stdout.split(" ").map(Number);
  return { connect, code, exit: r.code, stderr: r.stderr };
}

/** curl through the proxy's SOCKS5 side; `scheme` socks5h lets the proxy resolve names. */
function viaSocks(port: number, url: string, scheme = "socks5") {
  return curl(["-x", `${scheme}://${AUTH}@127.0.0.1:${port}`, url]);
}

async function alive(ctl: number): Promise<void> {
  const { status } = await control(`http://127.0.0.1:${ctl}`, "status");
  assert.equal(status, 200);
}

async function withInstance(
  extra: string,
  fn: (inst: Instance, ports: { ctl: number; port: number; origin: number }) => Promise<void>,
): Promise<void> {
  const dir = await tempDir();
  const origin = startOrigin("origin");
  const ctl = freePort();
  const port = freePort();
  const inst = await startInstance(
    dir.path,
    config(ctl, port, extra.replaceAll("ORIGIN", String(origin.port))),
  );
  try {
    await fn(inst, { ctl, port, origin: origin.port });
  } finally {
    await inst.kill();
    await origin.close();
    await dir.cleanup();
  }
}

Deno.test("forward proxy answers 403 to absolute-form requests for its own control endpoint", async () => {
  await withInstance("", async (inst, { ctl, port }) => {
    const stop = await viaHttp(port, `http://127.0.0.1:${ctl}/stop`, "-X", "POST");
    assert.equal(stop.status, 403, stop.body);
    assert.match(stop.body, /refused: this proxy itself/);
    await inst.waitFor(
      new RegExp(
        `\\[WRN\\] wmproxy\\.proxy: .*POST http://127\\.0\\.0\\.1:${ctl}/stop: target 127\\.0\\.0\\.1:${ctl} ` +
          "refused: this proxy itself",
      ),
    );
    await alive(ctl);

    for (const host of ["0.0.0.0", "localhost", "127.0.0.2"]) {
      const now = await viaHttp(port, `http://${host}:${ctl}/now`);
      assert.equal(now.status, 403, `${host}: ${now.body}`);
      assert.match(now.body, /refused: this proxy itself/, host);
    }
    // The proxy's own port too (a loop), the same way.
    const loop = await viaHttp(port, `http://127.0.0.1:${port}/`);
    assert.equal(loop.status, 403, loop.body);
    await alive(ctl);
  });
});

Deno.test("forward proxy answers 403 to CONNECT to its own control endpoint", async () => {
  await withInstance("", async (_inst, { ctl, port }) => {
    for (const host of ["127.0.0.1", "0.0.0.0", "localhost"]) {
      const r = await viaConnect(port, `http://${host}:${ctl}/stop`);
      assert.equal(r.connect, 403, `${host}: ${r.stderr}`);
      assert.notEqual(r.exit, 0);
    }
    await alive(ctl);
  });
});

Deno.test("forward proxy refuses SOCKS5 CONNECT to its own control endpoint with reply 0x02", async () => {
  await withInstance("", async (inst, { ctl, port }) => {
    const cases = [
      [`http://127.0.0.1:${ctl}/now`, "socks5"],
      [`http://0.0.0.0:${ctl}/now`, "socks5"],
      [`http://localhost:${ctl}/now`, "socks5h"],
    ];
    for (const [url, scheme] of cases) {
      const r = await viaSocks(port, url, scheme);
      assert.notEqual(r.code, 0, `${scheme} ${url}: ${r.stdout}`);
      // curl 7.88: "Can't complete SOCKS5 connection to HOST. (2)"; newer: "not allowed".
      assert.match(r.stderr, /\(2\)|not allowed/i, `${scheme} ${url}: ${r.stderr}`);
      assert.equal(r.stdout, "");
    }
    await inst.waitFor(new RegExp(`CONNECT localhost:${ctl} failed: this proxy itself`));
    await alive(ctl);
  });
});

Deno.test("forward proxy on loopback still reaches other loopback origins every way", async () => {
  await withInstance("", async (_inst, { port, origin }) => {
    const url = `http://127.0.0.1:${origin}/x`;
    const plain = await viaHttp(port, url);
    assert.equal(plain.status, 200);
    assert.equal(plain.body, "origin /x");
    const tunnel = await viaConnect(port, url);
    assert.deepEqual([tunnel.connect, tunnel.code], [200, 200], tunnel.stderr);
    const socks = await viaSocks(port, `http://localhost:${origin}/x`, "socks5h");
    assert.equal(socks.stdout, "origin /x", socks.stderr);
  });
});

Deno.test("target_deny refuses an origin the defaults allow; target_allow reaches the control port", async () => {
  await withInstance('target_deny = "127.0.0.1:ORIGIN"', async (_inst, { ctl, port, origin }) => {
    const r = await viaHttp(port, `http://127.0.0.1:${origin}/`);
    assert.equal(r.status, 403);
    assert.match(r.body, /refused: denied by target_deny/);
    assert.equal((await viaConnect(port, `http://127.0.0.1:${origin}/`)).connect, 403);
    const socks = await viaSocks(port, `http://127.0.0.1:${origin}/`);
    assert.match(socks.stderr, /\(2\)|not allowed/i);
    // Other ports are untouched.
    assert.equal((await viaHttp(port, `http://127.0.0.1:${ctl}/now`)).status, 403);
  });
  const dir = await tempDir();
  const ctl = freePort();
  const port = freePort();
  const inst = await startInstance(
    dir.path,
    config(ctl, port, `target_allow = "127.0.0.1:${ctl}"`),
  );
  try {
    const r = await viaHttp(port, `http://127.0.0.1:${ctl}/status`, "-X", "POST");
    assert.equal(r.status, 200, r.body);
    assert.equal(JSON.parse(r.body).message, "ok");
  } finally {
    await inst.kill();
    await dir.cleanup();
  }
});

Deno.test("forward proxy refuses ports this process gains by reload, and the control endpoint's new port", async () => {
  await withInstance("", async (inst, { ctl, port, origin }) => {
    const stream = freePort();
    const ctl2 = freePort();
    // Before: nothing listens on `stream`, so the proxy tries and fails (502).
    assert.equal((await viaHttp(port, `http://127.0.0.1:${stream}/`)).status, 502);
    await Deno.writeTextFile(
      inst.configPath,
      config(ctl2, port) +
        `[[stream.server]]\nbind_addr = "127.0.0.1:${stream}"\n` +
        `proxy_url = "tcp://127.0.0.1:${origin}"\n`,
    );
    const reload = await control(`http://127.0.0.1:${ctl}`, "reload");
    assert.equal(reload.status, 200, JSON.stringify(reload.body));
    await alive(ctl2);
    for (const target of [stream, ctl2]) {
      const r = await viaHttp(port, `http://127.0.0.1:${target}/`);
      assert.equal(r.status, 403, `${target}: ${r.body}`);
      assert.match(r.body, /this proxy itself/);
    }
    // The old control port is no longer ours: nothing listens, 502.
    assert.equal((await viaHttp(port, `http://127.0.0.1:${ctl}/`)).status, 502);
  });
});
