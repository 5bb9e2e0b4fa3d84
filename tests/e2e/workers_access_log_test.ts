import assert from "node:assert/strict";
import { rawExchange, statusOf } from "../_support/io.ts";
import { freePort } from "../_support/ports.ts";
import { control, type Instance, startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";

const REQUESTS = 400;
/** A long query makes lines of about 4 KB: many lines per write, and lines across writes. */
const PAD = "p".repeat(4000);

Deno.test("workers = 2: both workers append whole access-log lines to one file", async () => {
  const dir = await tempDir();
  const ctl = freePort();
  const port = freePort();
  const file = `${dir.path}/access.log`;
  let inst: Instance | undefined;
  try {
    inst = await startInstance(
      dir.path,
      `control = "127.0.0.1:${ctl}"
workers = 2
[http]
access_log = "main line"
[http.log_format]
line = "begin {path} {query} end"
[http.log_names]
main = "${file}"
[[http.server]]
bind_addr = "127.0.0.1:${port}"
[[http.server.location]]
rule = "/"
static_response = "ok"
`,
    );
    for (let batch = 0; batch < REQUESTS / 50; batch++) {
      await Promise.all(Array.from({ length: 50 }, async (_, i) => {
        const n = batch * 50 + i;
        const reply = await rawExchange(
          port,
          `GET /r${n}?${PAD} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`,
        );
        assert.equal(statusOf(reply), 200, reply);
      }));
    }
    const status = await control(`http://127.0.0.1:${ctl}`, "status");
    const workers = status.body.workers as { accepted: number }[];
    assert.ok(workers.every((w) => w.accepted > 0), JSON.stringify(workers));
    assert.equal((await control(`http://127.0.0.1:${ctl}`, "stop")).status, 200);
    assert.equal((await inst.exited()).code, 0, inst.log());

    const lines = (await Deno.readTextFile(file)).split("\n");
    assert.equal(lines.pop(), "");
    assert.equal(lines.length, REQUESTS);
    const seen = new Set<number>();
    for (const line of lines) {
      const m = /^begin \/r(\d+) (p+) end$/.exec(line);
      assert.ok(m && m[2] === PAD, `a broken line: ${line.slice(0, 80)}...`);
      seen.add(Number(m[1]));
    }
    assert.equal(seen.size, REQUESTS);
  } finally {
    await inst?.kill();
    await dir.cleanup();
  }
});
