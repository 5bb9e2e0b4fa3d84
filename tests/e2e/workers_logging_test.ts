import assert from "node:assert/strict";
import { ping } from "../_support/io.ts";
import { control } from "../_support/process.ts";
import { startWorkers } from "../_support/workers.ts";

Deno.test("workers = 2: one generation line at info per reload, worker lines tagged [w0] and [w1]", async () => {
  const w = await startWorkers(2, "", ["-v"]);
  try {
    // New connections until both workers have served one (the kernel spreads them).
    for (let i = 0; i < 200; i++) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: w.port });
      await ping(conn, `hello ${i}`);
      conn.close();
      const rows = await w.workers();
      if (rows.every((r) => r.accepted > 0)) break;
    }
    assert.ok((await w.workers()).every((r) => r.accepted > 0), "one worker served none");
    await w.rewrite();
    const res = await control(w.base, "reload");
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const lines = w.inst.lines;
    const info = lines.filter((l) => /\[INF\].*generation \d+:/.test(l));
    assert.equal(info.length, 2, info.join("\n"));
    assert.match(info[0], /generation 1: 1 added, 0 removed, 0 changed \(2 workers\)/);
    assert.match(info[1], /generation 2: 0 added, 0 removed, 0 changed \(2 workers\)/);
    // Each part's own line is at debug; a worker's carries its tag.
    for (const tag of ["[w0]", "[w1]"]) {
      const mine = lines.filter((l) => l.includes(` ${tag} wmproxy.`));
      assert.ok(
        mine.some((l) => /\[DBG\].*generation 2:/.test(l)),
        `${tag}: no generation line\n${w.inst.log()}`,
      );
      assert.ok(
        mine.some((l) => /\[DBG\].* conn \d+ /.test(l)),
        `${tag}: no connection line\n${w.inst.log()}`,
      );
    }
    // The main isolate's lines carry no tag.
    assert.ok(lines.some((l) => /\[INF\] wmproxy\.server: ready:/.test(l)), w.inst.log());
  } finally {
    await w.close();
  }
});
