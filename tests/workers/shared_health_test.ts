import assert from "node:assert/strict";
import { ActiveHealthCheck } from "../../lib/balancer/active_health.ts";
import { HealthRegistry } from "../../lib/balancer/health.ts";
import { HealthLink } from "../../lib/shared_state/health_link.ts";
import { exportSharedState, linkHealth } from "../../lib/shared_state/shared_state.ts";
import { SharedPeer } from "../_support/shared_peer.ts";
import { eventually } from "../_support/wait.ts";

const ADDR = "127.0.0.1:1";

async function linkedPeers(n: number): Promise<SharedPeer[]> {
  const state = exportSharedState();
  const peers = Array.from({ length: n }, () => new SharedPeer());
  for (const p of peers) {
    await p.ask({ op: "import", state });
    await p.ask({ op: "link" });
  }
  return peers;
}

Deno.test("a failure streak in one Worker takes the server down in the other within 100 ms, and a success there brings it back everywhere", async () => {
  const peers = await linkedPeers(2);
  const main = new HealthRegistry();
  const link = linkHealth(main);
  const [a, b] = peers;
  try {
    const seen = b.ask<boolean>({ op: "wait", addr: ADDR, up: false, timeoutMs: 2000 });
    const t0 = performance.now();
    await a.ask({ op: "fail", addr: ADDR, times: 3 });
    assert.equal(await seen, true, "b saw the server go down");
    const ms = performance.now() - t0;
    assert.ok(ms < 100, `${ms.toFixed(1)} ms`);
    await eventually(() => !main.get(ADDR).isUp(), 100, "main to see the server down");

    const back = a.ask<boolean>({ op: "wait", addr: ADDR, up: true, timeoutMs: 2000 });
    const t1 = performance.now();
    await b.ask({ op: "success", addr: ADDR });
    assert.equal(await back, true, "a saw the server come back");
    assert.ok(performance.now() - t1 < 100, `${(performance.now() - t1).toFixed(1)} ms`);
    await eventually(() => main.get(ADDR).isUp(), 100, "main to see the server up");
  } finally {
    link.close();
    for (const p of peers) p.close();
  }
});

Deno.test("HealthLink coalesces a burst of changes into one message and ignores older decisions", async () => {
  const channel = `test-${crypto.randomUUID()}`;
  const one = new HealthRegistry();
  const two = new HealthRegistry();
  const l1 = new HealthLink(one, { channel, flushMs: 20 });
  const l2 = new HealthLink(two, { channel, flushMs: 20 });
  try {
    for (let i = 0; i < 50; i++) {
      one.get(`10.0.0.${i}:80`).recordFailure({ fall_times: 1, fail_timeout: 60 });
      one.get(`10.0.0.${i}:80`).recordSuccess();
      one.get(`10.0.0.${i}:80`).recordFailure({ fall_times: 1, fail_timeout: 60 });
    }
    await eventually(() => !two.get("10.0.0.49:80").isUp(), 1000, "the burst to arrive");
    assert.equal(l1.stats.sent, 1);
    for (let i = 0; i < 50; i++) assert.equal(two.get(`10.0.0.${i}:80`).isUp(), false);
    const stale = { downUntil: 0, active: null, at: 1, activeAt: 0 };
    assert.equal(two.applyRemote("10.0.0.1:80", stale), false);
    assert.equal(two.get("10.0.0.1:80").isUp(), false);
    assert.throws(() => new HealthLink(one, { channel }), /linked already/);
  } finally {
    l1.close();
    l2.close();
  }
});

Deno.test("a Worker linked late learns of servers already down", async () => {
  const main = new HealthRegistry();
  const link = linkHealth(main);
  main.get(ADDR).recordFailure({ fall_times: 1, fail_timeout: 60 });
  const [late] = await linkedPeers(1);
  try {
    assert.equal(await late.ask({ op: "wait", addr: ADDR, up: false, timeoutMs: 1000 }), true);
  } finally {
    link.close();
    late.close();
  }
});

Deno.test("active checks run in main only and their results reach a Worker's checker", async () => {
  let accepted = 0;
  let listener: Deno.Listener | null = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const accepting = (async () => {
    for await (const c of listener!) {
      accepted++;
      c.close();
    }
  })();
  const addr = `127.0.0.1:${port}`;
  const server = { addr, hostname: "127.0.0.1", port, rise_times: 1, fall_times: 2 };
  const main = new HealthRegistry();
  const link = linkHealth(main);
  const checker = new ActiveHealthCheck([server], {
    path: "",
    intervalMs: 60_000,
    timeoutMs: 500,
    health: main,
  });
  const [w] = await linkedPeers(1);
  try {
    await checker.checkOnce();
    assert.equal(accepted, 1);
    // The Worker's checker starts, follows main and sends no checks of its own.
    assert.equal(await w.ask({ op: "wait", addr, up: true, timeoutMs: 1000, active: true }), true);
    listener.close();
    listener = null;
    await accepting;
    await checker.checkOnce();
    await checker.checkOnce();
    assert.equal(checker.isUp(server), false);
    assert.equal(await w.ask({ op: "wait", addr, up: false, timeoutMs: 100, active: true }), true);
    assert.equal(accepted, 1, "the Worker sent no check");
  } finally {
    await checker.stop();
    link.close();
    w.close();
    listener?.close();
  }
});

Deno.test("ServerHealth.applyRemote takes down/up and active results by their own times", () => {
  const h = new HealthRegistry().get("a:1");
  const policy = { fall_times: 2, fail_timeout: 60 };
  h.recordFailure(policy);
  const active = { up: false, successes: 0, failures: 2, checks: 2, last_error: "refused" };
  // An active result decided long ago still arrives; it leaves the failure streak alone.
  assert.equal(h.applyRemote({ downUntil: 0, active, at: 0, activeAt: 5 }), true);
  assert.deepEqual(h.active, active);
  h.recordFailure(policy);
  assert.equal(h.isUp(), false, "the streak of two went on");
  // A stale "up" does not undo a later local "down"; a newer one does.
  assert.equal(h.applyRemote({ downUntil: 0, active: null, at: 1, activeAt: 0 }), false);
  assert.equal(h.isUp(), false);
  assert.equal(
    h.applyRemote({ downUntil: 0, active: null, at: Date.now() + 1, activeAt: 0 }),
    true,
  );
  assert.equal(h.isUp(), true);
  assert.deepEqual(h.active, active, "no active result in the message: the known one stays");
});
