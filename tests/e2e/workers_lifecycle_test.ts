import assert from "node:assert/strict";
import { ping, readAll } from "../_support/io.ts";
import { control } from "../_support/process.ts";
import { startWorkers, type WorkersSetup } from "../_support/workers.ts";

/** Opens a forwarded connection and returns it with the id of the worker holding it. */
async function openOn(w: WorkersSetup): Promise<{ conn: Deno.TcpConn; worker: number }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: w.port });
  // Echoed: the worker has accepted it and it counts as open.
  await ping(conn, "hello");
  const rows = await w.workers();
  const holder = rows.find((r) => r.open === 1);
  assert.ok(holder, JSON.stringify(rows));
  return { conn, worker: holder.id };
}

Deno.test("workers = 2: a worker that throws is replaced; the other's connection keeps working", async () => {
  const w = await startWorkers(2);
  let conn: Deno.TcpConn | undefined;
  try {
    const open = await openOn(w);
    conn = open.conn;
    const victim = 1 - open.worker;
    const from = w.inst.lines.length;
    const t0 = performance.now();
    const res = await control(w.base, `test/worker-throw?id=${victim}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const died = await w.inst.waitFor(new RegExp(`worker ${victim} died: .*test hook`), from);
    assert.match(died, /\[ERR\]/);
    await w.inst.waitFor(new RegExp(`worker ${victim} replaced`), from);
    const took = performance.now() - t0;
    assert.ok(took < 1000, `replaced after ${Math.round(took)} ms`);
    // One error line for the death, nothing else at error level.
    const errors = w.inst.lines.slice(from).filter((l) => /\[(ERR|FTL)\]/.test(l));
    assert.equal(errors.length, 1, errors.join("\n"));
    // The other worker's connection is untouched.
    await ping(conn, "still here");
    const rows = await w.workers();
    assert.deepEqual(rows.map((r) => r.id), [0, 1]);
    assert.deepEqual(rows.map((r) => r.generation), [1, 1]);
    // And the replacement serves: new connections all get through.
    for (let i = 0; i < 20; i++) {
      const c = await Deno.connect({ hostname: "127.0.0.1", port: w.port });
      await ping(c, `after ${i}`);
      c.close();
    }
    assert.equal((await w.workers()).reduce((n, r) => n + r.accepted, 0) >= 20, true);
  } finally {
    conn?.close();
    await w.close();
  }
});

Deno.test("workers = 2: /stop drains every worker, the open connection finishes, exit 0", async () => {
  const w = await startWorkers(2);
  let conn: Deno.TcpConn | undefined;
  try {
    const open = await openOn(w);
    conn = open.conn;
    const from = w.inst.lines.length;
    const res = await control(w.base, "stop");
    assert.equal(res.status, 200);
    await w.inst.waitFor(/stopping: draining open connections/, from);
    // Draining: the open connection still carries bytes both ways.
    await ping(conn, "during the drain");
    assert.equal(w.inst.lines.some((l) => / stopped$/.test(l)), false, w.inst.log());
    await conn.closeWrite();
    assert.equal((await readAll(conn)).length, 0);
    conn.close();
    conn = undefined;
    const status = await w.inst.exited();
    assert.equal(status.code, 0, w.inst.log());
    assert.ok(w.inst.lines.some((l) => / stopped$/.test(l)), w.inst.log());
  } finally {
    conn?.close();
    await w.close();
  }
});
