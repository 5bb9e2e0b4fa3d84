import assert from "node:assert/strict";
import { mergeReports } from "../../../lib/server/workers/merge_status.ts";

function upstream(o: {
  up: boolean;
  fails: number;
  failures: number;
  down: string | null;
  inFlight: number;
  checks: number;
}) {
  return {
    up: o.up,
    passive: { up: o.up, fails: o.fails, down_until: o.down, failures: o.failures },
    active: { up: true, successes: o.checks, failures: 0, checks: o.checks, last_error: null },
    active_requests: o.inFlight,
    idle: 1,
  };
}

Deno.test("mergeReports() sums per-worker counters and takes shared state from worker 0", () => {
  const w0 = {
    name: "http 127.0.0.1:8080",
    key: "tcp 127.0.0.1:8080",
    address: "127.0.0.1:8080",
    open: 2,
    accepted: 10,
    max_connections: 100,
    at_limit: false,
    limit_hits: 1,
    servers: ["*"],
    upstream: {
      web: {
        "127.0.0.1:1": upstream({
          up: false,
          fails: 0,
          failures: 1,
          down: "2030-01-01T00:00:00.000Z",
          inFlight: 0,
          checks: 7,
        }),
        "127.0.0.1:2": upstream({
          up: true,
          fails: 1,
          failures: 1,
          down: null,
          inFlight: 2,
          checks: 7,
        }),
      },
    },
  };
  const w1 = structuredClone(w0);
  w1.open = 3;
  w1.accepted = 5;
  w1.at_limit = true;
  w1.limit_hits = 4;
  w1.upstream.web["127.0.0.1:1"] = upstream({
    up: false,
    fails: 0,
    failures: 0,
    down: "2030-01-01T00:00:01.000Z",
    inFlight: 0,
    checks: 0,
  });
  w1.upstream.web["127.0.0.1:2"] = upstream({
    up: true,
    fails: 3,
    failures: 5,
    down: null,
    inFlight: 1,
    checks: 0,
  });
  const merged = mergeReports([w0, w1]) as typeof w0;
  assert.equal(merged.open, 5);
  assert.equal(merged.accepted, 15);
  assert.equal(merged.limit_hits, 5);
  assert.equal(merged.at_limit, true);
  assert.equal(merged.max_connections, 100);
  assert.deepEqual(merged.servers, ["*"]);
  const dead = merged.upstream.web["127.0.0.1:1"];
  assert.equal(dead.up, false);
  assert.equal(dead.passive.failures, 1);
  assert.equal(dead.passive.down_until, "2030-01-01T00:00:01.000Z");
  // Active results are worker 0's: it runs the checks.
  assert.equal(dead.active.checks, 7);
  const live = merged.upstream.web["127.0.0.1:2"];
  assert.equal(live.up, true);
  assert.equal(live.passive.fails, 3);
  assert.equal(live.passive.failures, 6);
  assert.equal(live.active_requests, 3);
  assert.equal(live.idle, 2);
  // The inputs are left alone.
  assert.equal(w0.open, 2);
  assert.equal(w0.upstream.web["127.0.0.1:2"].active_requests, 2);
});

Deno.test("mergeReports() folds a stream listener's upstream health (no active checks)", () => {
  const w0 = {
    open: 1,
    accepted: 1,
    upstream: { "127.0.0.1:1": { up: true, fails: 0, down_until: null, failures: 0 } },
  };
  const w1 = {
    open: 0,
    accepted: 2,
    upstream: {
      "127.0.0.1:1": { up: false, fails: 0, down_until: "2030-01-01T00:00:00.000Z", failures: 2 },
    },
  };
  assert.deepEqual(mergeReports([w0, w1]), {
    open: 1,
    accepted: 3,
    upstream: {
      "127.0.0.1:1": { up: false, fails: 0, down_until: "2030-01-01T00:00:00.000Z", failures: 2 },
    },
  });
});
