import assert from "node:assert/strict";
import { curl } from "../_support/curl.ts";
import { freePort, refuses } from "../_support/ports.ts";
import { startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";

/** Status and body of a request made with curl, the way a user (or a script) makes it. */
async function request(...args: string[]): Promise<{ status: number; body: string }> {
  const out = await curl(["-w", "\n%{http_code}", ...args]);
  const i = out.stdout.lastIndexOf("\n");
  return { status: Number(out.stdout.slice(i + 1)), body: out.stdout.slice(0, i) };
}

Deno.test("control endpoint: a cross-site /stop (foreign Host, Origin, Sec-Fetch-Site) is refused; curl works", async () => {
  const dir = await tempDir();
  const ctl = freePort();
  const listen = freePort();
  const inst = await startInstance(
    dir.path,
    `control = "127.0.0.1:${ctl}"
[[stream.server]]
bind_addr = "127.0.0.1:${listen}"
proxy_url = "tcp://127.0.0.1:9"
`,
  );
  try {
    const base = `http://127.0.0.1:${ctl}`;
    const attacks = [
      ["-H", "Host: evil.example", "-H", "Origin: http://evil.example"],
      ["-H", "Host: evil.example"],
      ["-H", "Origin: http://evil.example"],
      ["-H", "Sec-Fetch-Site: cross-site"],
      ["-H", `Host: rebound.example:${ctl}`],
    ];
    for (const headers of attacks) {
      for (const verb of ["stop", "now", "reload"]) {
        const r = await request(...headers, `${base}/${verb}`);
        assert.equal(r.status, 403, `${headers.join(" ")} /${verb}: ${r.body}`);
      }
    }
    assert.ok(!await refuses(listen), "still serving after the refused /stop");
    assert.equal((await request(`http://localhost:${ctl}/status`)).status, 200);
    const reload = await request(`${base}/reload`);
    assert.equal(reload.status, 200, reload.body);
    const stop = await request(`${base}/stop`);
    assert.equal(stop.status, 200, stop.body);
    assert.equal((await inst.exited()).code, 0);
  } finally {
    await inst.kill();
    await dir.cleanup();
  }
});
