import assert from "node:assert/strict";
import { ping } from "../_support/io.ts";
import { freePort } from "../_support/ports.ts";
import { control } from "../_support/process.ts";
import { startWorkers } from "../_support/workers.ts";

Deno.test("workers = 2: the kernel spreads 400 connections over both workers", async () => {
  const w = await startWorkers(2);
  try {
    const before = await w.workers();
    assert.deepEqual(before.map((x) => x.id), [0, 1]);
    for (let batch = 0; batch < 8; batch++) {
      await Promise.all(Array.from({ length: 50 }, async (_, i) => {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port: w.port });
        try {
          await ping(conn, `conn ${batch}.${i}`);
        } finally {
          conn.close();
        }
      }));
    }
    const rows = await w.workers();
    const accepted = rows.map((x) => x.accepted);
    assert.equal(accepted[0] + accepted[1], 400, JSON.stringify(rows));
    assert.ok(accepted.every((n) => n > 0), `one worker took none: ${JSON.stringify(rows)}`);
    // The listener's totals are summed over the workers.
    const status = await control(w.base, "status");
    const listeners = status.body.listeners as { key: string; accepted: number }[];
    const tcp = listeners.find((l) => l.key === `tcp 127.0.0.1:${w.port}`)!;
    assert.equal(tcp.accepted, 400);
  } finally {
    await w.close();
  }
});

Deno.test("workers = 2: a reload is applied by every worker (one generation in /status)", async () => {
  const w = await startWorkers(2);
  try {
    const extraPort = freePort();
    await w.rewrite(`[[stream.server]]
bind_addr = "127.0.0.1:${extraPort}"
proxy_url = "tcp://127.0.0.1:${w.backend.port}"
`);
    const res = await control(w.base, "reload");
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.generation, 2);
    const rows = await w.workers();
    assert.deepEqual(rows.map((x) => x.generation), [2, 2]);
    // Both workers serve the new address: /reload answered after each had bound it.
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: extraPort });
    await ping(conn, "new address");
    conn.close();
    const status = await control(w.base, "status");
    assert.equal(status.body.generation, 2);
  } finally {
    await w.close();
  }
});

Deno.test("workers = 2: a generation one worker cannot apply is rolled back in all", async () => {
  const w = await startWorkers(2);
  try {
    const extraPort = freePort();
    await w.rewrite(`[[stream.server]]
bind_addr = "127.0.0.1:${extraPort}"
proxy_url = "tcp://127.0.0.1:${w.backend.port}"
`);
    // Worker 1 refuses its next generation (a hidden hook standing for a bind only it fails).
    const armed = await control(w.base, "test/worker-fail-apply?id=1");
    assert.equal(armed.status, 200, JSON.stringify(armed.body));
    const res = await control(w.base, "reload");
    assert.equal(res.status, 500, JSON.stringify(res.body));
    assert.match(res.body.message as string, /reload failed, rolled back: worker 1: /);
    // Worker 0 had applied it and went back: the new address is closed everywhere.
    const rows = await w.workers();
    assert.deepEqual(rows.map((x) => x.generation), [1, 1]);
    await assert.rejects(
      Deno.connect({ hostname: "127.0.0.1", port: extraPort }),
      Deno.errors.ConnectionRefused,
    );
    const status = await control(w.base, "status");
    const keys = (status.body.listeners as { key: string }[]).map((l) => l.key);
    assert.deepEqual(keys, [`tcp 127.0.0.1:${w.port}`]);
    // The old address still serves, and the next reload goes through.
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: w.port });
    await ping(conn, "after the rollback");
    conn.close();
    const again = await control(w.base, "reload");
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.deepEqual((await w.workers()).map((x) => x.generation), [2, 2]);
  } finally {
    await w.close();
  }
});
