import assert from "node:assert/strict";
import { ActiveHealthCheck } from "../../lib/balancer/active_health.ts";
import { HealthRegistry } from "../../lib/balancer/health.ts";

function server(port: number) {
  return { addr: `127.0.0.1:${port}`, hostname: "127.0.0.1", port, rise_times: 2, fall_times: 2 };
}

function origin(status: () => number, onRequest?: (count: number) => void) {
  const ac = new AbortController();
  const paths: string[] = [];
  const s = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} },
    (req) => {
      paths.push(new URL(req.url).pathname);
      onRequest?.(paths.length);
      return new Response("x", { status: status() });
    },
  );
  return {
    port: s.addr.port,
    paths,
    async close() {
      ac.abort();
      await s.finished;
    },
  };
}

Deno.test("ActiveHealthCheck marks a server down after fall_times failed checks and up after rise_times", async () => {
  let code = 200;
  const o = origin(() => code);
  const s = server(o.port);
  const health = new HealthRegistry();
  const check = new ActiveHealthCheck([s], {
    path: "/health",
    intervalMs: 1000,
    timeoutMs: 1000,
    health,
  });
  try {
    await check.checkOnce();
    assert.equal(check.isUp(s), true);
    assert.deepEqual(o.paths, ["/health"]);
    code = 503;
    await check.checkOnce();
    assert.equal(check.isUp(s), true, "one failure of two");
    await check.checkOnce();
    assert.equal(check.isUp(s), false);
    assert.equal(check.snapshot()[s.addr].last_error, "status 503");
    code = 302;
    await check.checkOnce();
    assert.equal(check.isUp(s), false, "one success of two");
    // Passive failures are cleared when the server rises.
    health.get(s.addr).recordFailure({ fall_times: 1, fail_timeout: 600 });
    await check.checkOnce();
    assert.equal(check.isUp(s), true);
    assert.equal(health.get(s.addr).isUp(), true);
    assert.equal(check.snapshot()[s.addr].checks, 5);
  } finally {
    await check.stop();
    await o.close();
  }
});

Deno.test("ActiveHealthCheck with an empty path only connects", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  const s = server(port);
  const check = new ActiveHealthCheck([s], { path: "", intervalMs: 1000, timeoutMs: 500 });
  try {
    await check.checkOnce();
    await check.checkOnce();
    assert.equal(check.snapshot()[s.addr].failures, 0);
    l.close();
    await check.checkOnce();
    await check.checkOnce();
    assert.equal(check.isUp(s), false);
    assert.match(check.snapshot()[s.addr].last_error!, /refused/);
  } finally {
    await check.stop();
  }
});

Deno.test("ActiveHealthCheck fails a server that does not answer within timeoutMs", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const c of l) held.push(c);
  })();
  const s = server((l.addr as Deno.NetAddr).port);
  const check = new ActiveHealthCheck([s], { path: "/", intervalMs: 1000, timeoutMs: 200 });
  try {
    const started = Date.now();
    await check.checkOnce();
    assert.ok(Date.now() - started < 2000);
    assert.equal(check.snapshot()[s.addr].failures, 1);
  } finally {
    await check.stop();
    l.close();
    await accepting;
    for (const c of held) c.close();
  }
});

Deno.test("ActiveHealthCheck runs rounds on its own between start and stop", async () => {
  const { promise: threeRounds, resolve } = Promise.withResolvers<void>();
  const o = origin(() => 200, (n) => n === 3 && resolve());
  const s = server(o.port);
  const check = new ActiveHealthCheck([s], { path: "/ping", intervalMs: 20, timeoutMs: 500 });
  try {
    check.start();
    await threeRounds;
    await check.stop();
    const n = o.paths.length;
    await check.checkOnce(); // no longer recorded: the checker is stopped
    assert.ok(o.paths.length >= n);
    assert.ok(check.snapshot()[s.addr].checks <= n);
  } finally {
    await check.stop();
    await o.close();
  }
});
