import assert from "node:assert/strict";
import { LeastConnSelector } from "../../lib/balancer/least_conn.ts";

const a = { addr: "a:1", weight: 100 };
const b = { addr: "b:1", weight: 100 };
const heavy = { addr: "h:1", weight: 300 };

Deno.test("LeastConnSelector picks the server with the fewest requests in flight", () => {
  const s = new LeastConnSelector([a, b]);
  const first = s.next()!;
  s.begin(first);
  const second = s.next()!;
  assert.notEqual(second, first);
  s.begin(second);
  s.begin(second);
  assert.equal(s.next(), first);
  s.end(second);
  s.end(second);
  assert.equal(s.active(second), 0);
});

Deno.test("LeastConnSelector shares an idle upstream by weight", () => {
  const s = new LeastConnSelector([heavy, a]);
  const picks = new Map<string, number>();
  for (let i = 0; i < 400; i++) {
    const p = s.next()!;
    picks.set(p.addr, (picks.get(p.addr) ?? 0) + 1);
  }
  assert.deepEqual([picks.get("h:1"), picks.get("a:1")], [300, 100]);
});

Deno.test("LeastConnSelector compares requests in flight relative to weight", () => {
  const s = new LeastConnSelector([heavy, a]);
  const order: string[] = [];
  for (let i = 0; i < 8; i++) {
    const p = s.next()!;
    s.begin(p);
    order.push(p.addr[0]);
  }
  assert.equal(order.filter((x) => x === "h").length, 6);
  assert.equal(order.filter((x) => x === "a").length, 2);
});

Deno.test("LeastConnSelector honours exclude and eligible", () => {
  const s = new LeastConnSelector([a, b]);
  assert.equal(s.next(new Set([a])), b);
  assert.equal(s.next(undefined, (x) => x !== b), a);
  assert.equal(s.next(new Set([a, b])), undefined);
});
