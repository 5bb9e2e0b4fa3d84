import assert from "node:assert/strict";
import { freePort } from "../_support/ports.ts";
import { startWorkers } from "../_support/workers.ts";

Deno.test("workers = 2: a limit_req zone holds across workers (burst + 1 in all, not per worker)", async () => {
  const port = freePort();
  const root = await Deno.makeTempDir();
  await Deno.writeTextFile(`${root}/a.txt`, "ok");
  // One key (every request comes from 127.0.0.1), five tokens, refilled once a minute.
  const w = await startWorkers(
    2,
    `[http.limit_req_zone]
one = "{client_ip} limit=1m rate=1r/m"
[[http.server]]
bind_addr = "127.0.0.1:${port}"
root = "${root}"
[[http.server.location]]
rule = "/"
limit_req = "zone=one burst=4"
file_server = {}
`,
  );
  try {
    const before = await w.workers();
    const statuses: number[] = [];
    // A new connection per request, so the kernel spreads them over both workers.
    for (let i = 0; i < 40; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/a.txt`, {
        headers: { connection: "close" },
      });
      await res.body?.cancel();
      statuses.push(res.status);
    }
    const after = await w.workers();
    const took = after.map((x, i) => x.accepted - before[i].accepted);
    assert.ok(took.every((n) => n > 0), `one worker served none: ${JSON.stringify(took)}`);
    const passed = statuses.filter((s) => s === 200).length;
    // Per-worker zones would pass up to 5 in each worker.
    assert.equal(passed, 5, `statuses ${statuses.join(",")}, per worker ${JSON.stringify(took)}`);
    assert.ok(statuses.every((s) => s === 200 || s === 503));
  } finally {
    await w.close();
    await Deno.remove(root, { recursive: true });
  }
});
