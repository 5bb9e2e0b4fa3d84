import assert from "node:assert/strict";
import { control } from "../_support/process.ts";
import { startOrigin, startServer } from "../_support/origins.ts";
import { freePort } from "../_support/ports.ts";
import { eventually } from "../_support/wait.ts";
import { startWorkers, type WorkersSetup } from "../_support/workers.ts";

/** An `[[http.server]]` on `port` proxying `/` to the upstream `web` of `servers`. */
function reverse(port: number, servers: string, healthCheck = ""): string {
  return `[[http.upstream]]
name = "web"
server = [${servers}]
${healthCheck}
[[http.server]]
bind_addr = "127.0.0.1:${port}"
[[http.server.location]]
rule = "/"
proxy_url = "http://web"
`;
}

/** One request on a connection of its own (so the kernel spreads them over the workers). */
async function get(port: number): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: "close" } });
  return { status: res.status, body: await res.text() };
}

/** The web upstream's health as `/status` folds it over the workers, by server address. */
async function health(
  w: WorkersSetup,
  port: number,
): Promise<
  Record<string, { up: boolean; passive: { failures: number }; active: { up: boolean } }>
> {
  const listeners = (await control(w.base, "status")).body.listeners as Record<string, unknown>[];
  const l = listeners.find((x) => x.key === `tcp 127.0.0.1:${port}`)!;
  return (l.upstream as Record<string, never>).web;
}

/** Runs `n` requests; returns their answers and how many each worker accepted meanwhile. */
async function spread(w: WorkersSetup, port: number, n: number) {
  const before = await w.workers();
  const answers = [];
  for (let i = 0; i < n; i++) answers.push(await get(port));
  const after = await w.workers();
  return { answers, took: after.map((x, i) => x.accepted - before[i].accepted) };
}

Deno.test("workers = 2: a server one worker marks down is not tried by the other (passive health)", async () => {
  const port = freePort();
  // Accepts and closes at once: each connection attempt is counted.
  const dead = startServer((conn) => Promise.resolve(conn.close()));
  const good = startOrigin("good");
  const w = await startWorkers(
    2,
    reverse(
      port,
      `{ addr = "127.0.0.1:${dead.port}", fall_times = 1, fail_timeout = "30s" },
 { addr = "127.0.0.1:${good.port}" }`,
    ),
  );
  try {
    // Until one worker has tried the dead server once (and so marked it down).
    for (let i = 0; i < 20 && dead.accepted() === 0; i++) await get(port);
    assert.equal(dead.accepted(), 1);
    // The other worker hears of it within 100 ms.
    await new Promise((r) => setTimeout(r, 100));
    const { answers, took } = await spread(w, port, 40);
    assert.ok(took.every((n) => n > 0), `one worker served none: ${JSON.stringify(took)}`);
    assert.deepEqual(answers.filter((a) => a.status !== 200), []);
    assert.equal(dead.accepted(), 1, `the dead server was tried again; per worker ${took}`);
    const h = await health(w, port);
    assert.equal(h[`127.0.0.1:${dead.port}`].up, false);
    assert.equal(h[`127.0.0.1:${dead.port}`].passive.failures, 1);
    assert.equal(h[`127.0.0.1:${good.port}`].up, true);
  } finally {
    await w.close();
    await dead.close();
    await good.close();
  }
});

Deno.test("workers = 2: active checks run in worker 0 alone; a server they mark down is down in both", async () => {
  const port = freePort();
  const probes = (o: { seen: { path: string }[] }) =>
    o.seen.filter((s) => s.path === "/health").length;
  const a = startOrigin("a");
  const b = startOrigin(
    "b",
    (_req, seen) => new Response("b", { status: seen.path === "/health" ? 500 : 200 }),
  );
  const w = await startWorkers(
    2,
    reverse(
      port,
      `{ addr = "127.0.0.1:${a.port}" }, { addr = "127.0.0.1:${b.port}", fall_times = 2 }`,
      'health_check = { path = "/health", interval = "100ms", timeout = "1s" }',
    ),
  );
  try {
    // One checker probes each server every 100 ms: about 10 a second (two would make 20).
    await eventually(() => probes(a) > 0, 5000, "a first probe");
    const from = probes(a);
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 1000));
    const rate = (probes(a) - from) * 1000 / (performance.now() - t0);
    assert.ok(rate >= 3 && rate <= 13, `${rate.toFixed(1)} probes a second`);
    // b fails its checks: worker 0 marks it down, and worker 1 follows.
    await eventually(
      async () => (await health(w, port))[`127.0.0.1:${b.port}`].active.up === false,
      5000,
      "b marked down by the active check",
    );
    await new Promise((r) => setTimeout(r, 100));
    const served = b.seen.length - probes(b);
    const { answers, took } = await spread(w, port, 40);
    assert.ok(took.every((n) => n > 0), `one worker served none: ${JSON.stringify(took)}`);
    assert.deepEqual(answers.filter((x) => x.status !== 200 || x.body !== "a /"), []);
    assert.equal(b.seen.length - probes(b), served, "a worker still sent requests to b");
    assert.equal((await health(w, port))[`127.0.0.1:${b.port}`].up, false);
  } finally {
    await w.close();
    await a.close();
    await b.close();
  }
});
