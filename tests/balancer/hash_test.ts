import assert from "node:assert/strict";
import { HashSelector, hashString } from "../../lib/balancer/hash.ts";

const servers = ["a:1", "b:1", "c:1", "d:1"].map((addr) => ({ addr, weight: 100 }));

Deno.test("HashSelector maps a key to the same server every time", () => {
  const s = new HashSelector(servers);
  for (let i = 0; i < 50; i++) {
    const key = `client-${i}`;
    assert.equal(s.nextFor(key), s.nextFor(key));
  }
});

Deno.test("HashSelector spreads keys roughly evenly", () => {
  const s = new HashSelector(servers);
  const counts = new Map<string, number>();
  for (let i = 0; i < 4000; i++) {
    const p = s.nextFor(`10.0.${i >> 8}.${i & 255}`)!;
    counts.set(p.addr, (counts.get(p.addr) ?? 0) + 1);
  }
  for (const [addr, n] of counts) assert.ok(n > 600 && n < 1400, `${addr} got ${n} of 4000`);
});

Deno.test("HashSelector moves only the keys of a server that is down", () => {
  const s = new HashSelector(servers);
  const down = servers[1];
  let moved = 0;
  for (let i = 0; i < 1000; i++) {
    const key = `k${i}`;
    const before = s.nextFor(key)!;
    const after = s.nextFor(key, undefined, (x) => x !== down)!;
    assert.notEqual(after, down);
    if (before !== down) assert.equal(after, before, "keys of other servers stay");
    else moved++;
  }
  assert.ok(moved > 100 && moved < 400, `${moved} keys moved`);
});

Deno.test("HashSelector gives heavier servers more keys and none when all are excluded", () => {
  const s = new HashSelector([{ addr: "big:1", weight: 300 }, { addr: "small:1", weight: 100 }]);
  let big = 0;
  for (let i = 0; i < 2000; i++) if (s.nextFor(`x${i}`)!.addr === "big:1") big++;
  assert.ok(big > 1300 && big < 1700, `big got ${big} of 2000`);
  assert.equal(s.nextFor("x", new Set(s.servers)), undefined);
});

Deno.test("hashString is a stable unsigned 32-bit hash", () => {
  assert.equal(hashString("abc"), hashString("abc"));
  assert.notEqual(hashString("abc"), hashString("abd"));
  const h = hashString("anything");
  assert.ok(Number.isInteger(h) && h >= 0 && h < 2 ** 32);
});
