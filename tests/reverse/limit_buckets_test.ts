import assert from "node:assert/strict";
import { LocalBuckets } from "../../lib/reverse/limit_req.ts";

Deno.test("LocalBuckets evicts exactly the least recently used key over many evictions", () => {
  const maxKeys = 5;
  const t = new LocalBuckets(maxKeys);
  const model: string[] = []; // least recently used first
  let seed = 7;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  for (let i = 0; i < 20_000; i++) {
    const key = `k${Math.floor(random() * 12)}`;
    const known = model.indexOf(key);
    if (known >= 0) model.splice(known, 1);
    else if (model.length === maxKeys) model.shift();
    model.push(key);
    // burst 0 and no refill: a key is admitted only while the table still remembers it
    assert.equal(t.take(key, 1, 0, 0), known < 0, `step ${i} ${key}`);
    assert.equal(t.size, model.length);
  }
});
