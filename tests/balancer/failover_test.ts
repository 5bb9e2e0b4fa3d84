import assert from "node:assert/strict";
import { Failover, type FailoverServer } from "../../lib/balancer/failover.ts";
import { HealthRegistry } from "../../lib/balancer/health.ts";

function server(addr: string, weight = 1): FailoverServer {
  return { addr, weight, fail_timeout: 30, fall_times: 1 };
}

class Refused extends Error {}
const isFailure = (e: unknown) => e instanceof Refused;

Deno.test("Failover moves on to the next server, records the failure and reports each try", async () => {
  const health = new HealthRegistry();
  const [a, b] = [server("a"), server("b")];
  const f = new Failover([a, b], health);
  const failures: string[] = [];
  const got = await f.attempt(
    (s) => s === a ? Promise.reject(new Refused("a refused")) : Promise.resolve(`via ${s.addr}`),
    { isFailure, onFailure: ({ server, more }) => failures.push(`${server.addr} more=${more}`) },
  );
  assert.deepEqual(got, { value: "via b", server: b });
  assert.deepEqual(failures, ["a more=true"]);
  assert.equal(health.get("a").isUp(Date.now()), false, "fall_times = 1: a is down");
  // While a is down, b takes every request.
  for (let i = 0; i < 4; i++) {
    assert.equal((await f.attempt((s) => Promise.resolve(s.addr), { isFailure }))!.value, "b");
  }
});

Deno.test("Failover tries every server when all are down, and gives up after the last", async () => {
  const health = new HealthRegistry();
  const f = new Failover([server("a"), server("b")], health);
  const tried: string[] = [];
  const fail = (s: FailoverServer) => {
    tried.push(s.addr);
    return Promise.reject(new Refused(s.addr));
  };
  assert.equal(await f.attempt(fail, { isFailure }), undefined);
  assert.deepEqual(tried.sort(), ["a", "b"]);
  tried.length = 0;
  // Both are marked down now; a new attempt still tries them (one may have come back).
  assert.equal(await f.attempt(fail, { isFailure }), undefined);
  assert.deepEqual(tried.sort(), ["a", "b"]);
});

Deno.test("Failover never marks a lone server down and rethrows what is not a failure", async () => {
  const health = new HealthRegistry();
  const f = new Failover([server("only")], health);
  await f.attempt(() => Promise.reject(new Refused("x")), { isFailure });
  assert.equal(health.get("only").isUp(Date.now()), true);
  await assert.rejects(
    f.attempt(() => Promise.reject(new TypeError("bug")), { isFailure }),
    TypeError,
  );
});

Deno.test("Failover.withServers keeps the balancer for the same list and rebuilds for another", () => {
  const health = new HealthRegistry();
  const f = new Failover([server("a"), server("b")], health);
  assert.equal(f.withServers([server("a"), server("b")]), f);
  const g = f.withServers([server("a"), server("c")]);
  assert.notEqual(g, f);
  assert.deepEqual(g.servers.map((s) => s.addr), ["a", "c"]);
});
