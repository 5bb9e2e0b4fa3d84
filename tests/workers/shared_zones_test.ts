import assert from "node:assert/strict";
import { LimitZone, LimitZoneRegistry, SHARED_ZONES } from "../../lib/reverse/limit_req.ts";
import { SharedBuckets } from "../../lib/shared_state/shared_buckets.ts";
import { exportSharedState } from "../../lib/shared_state/shared_state.ts";
import { ZoneExporter, ZoneImporter } from "../../lib/shared_state/zone_share.ts";
import { SharedPeer } from "../_support/shared_peer.ts";

function spec(name: string, rate: number, limit = 64 * 1024) {
  return { name, key: "{client_ip}", rate, limit };
}

async function withPeers(n: number, body: (peers: SharedPeer[]) => Promise<void>): Promise<void> {
  const peers = Array.from({ length: n }, () => new SharedPeer());
  try {
    await body(peers);
  } finally {
    for (const p of peers) p.close();
  }
}

interface Hammered {
  admitted: number;
  takes: number;
  start: number;
  end: number;
}

Deno.test("SharedBuckets behaves as LimitZone's own buckets: LRU of two keys and refill", () => {
  let now = 0;
  const options = spec("z", 1, 128);
  const z = new LimitZone(options, { now: () => now, table: new SharedBuckets(2) });
  assert.equal(z.take("a", 0), true);
  assert.equal(z.take("b", 0), true);
  assert.equal(z.take("a", 0), false); // a is now the most recent
  assert.equal(z.take("c", 0), true); // evicts b
  assert.equal(z.size, 2);
  assert.equal(z.take("b", 0), true); // b starts again, full; evicts a
  assert.equal(z.take("c", 0), false);
  now = 999;
  assert.equal(z.take("c", 0), false);
  now = 2000;
  assert.equal(z.take("c", 0), true);
});

Deno.test("SharedBuckets keeps at most maxKeys keys and fits in 64 bytes a key", () => {
  for (const maxKeys of [1, 2, 7, 8, 9, 100, 163840]) {
    const t = new SharedBuckets(maxKeys);
    assert.ok(t.capacity <= maxKeys && t.capacity >= Math.min(maxKeys, maxKeys - 7), `${maxKeys}`);
    assert.ok(t.buffer.byteLength <= maxKeys * 64, `${maxKeys}: ${t.buffer.byteLength} bytes`);
    for (let i = 0; i < maxKeys * 3 && i < 5000; i++) t.take(`k${i}`, 1, 1, 0);
    assert.ok(t.size <= t.capacity);
  }
  assert.throws(() => new SharedBuckets(8, new SharedArrayBuffer(8)), RangeError);
});

Deno.test("two Workers hammering one key of a shared zone get burst + 1 in total, not twice", async () => {
  const zone = spec("hammer", 0.001);
  const state = exportSharedState([zone]);
  await withPeers(2, async (peers) => {
    await Promise.all(peers.map((p) => p.ask({ op: "import", state })));
    const go = new SharedArrayBuffer(4);
    const runs = peers.map((p) =>
      p.ask<Hammered>({ op: "hammer", zone, key: "10.0.0.1", burst: 4, go, durationMs: 200 })
    );
    Atomics.store(new Int32Array(go), 0, 1);
    Atomics.notify(new Int32Array(go), 0);
    const done = await Promise.all(runs);
    const admitted = done.reduce((n, d) => n + d.admitted, 0);
    assert.ok(done.every((d) => d.takes > 1000), JSON.stringify(done));
    assert.equal(admitted, 5, JSON.stringify(done));
  });
});

Deno.test("two Workers sharing a zone at 200 r/s get the rate once between them", async () => {
  const zone = spec("rate", 200);
  const state = exportSharedState([zone]);
  await withPeers(2, async (peers) => {
    await Promise.all(peers.map((p) => p.ask({ op: "import", state })));
    const go = new SharedArrayBuffer(4);
    const runs = peers.map((p) =>
      p.ask<Hammered>({ op: "hammer", zone, key: "k", burst: 9, go, durationMs: 300 })
    );
    Atomics.store(new Int32Array(go), 0, 1);
    Atomics.notify(new Int32Array(go), 0);
    const done = await Promise.all(runs);
    const admitted = done.reduce((n, d) => n + d.admitted, 0);
    const seconds = (Math.max(...done.map((d) => d.end)) - Math.min(...done.map((d) => d.start))) /
      1000;
    const allowed = 10 + 200 * seconds;
    assert.ok(admitted <= allowed + 1, `${admitted} admitted, ${allowed} allowed`);
    assert.ok(admitted >= 10 + 200 * 0.3 * 0.8, `${admitted} admitted in ${seconds} s`);
  });
});

Deno.test("a shared zone keeps its LRU bound across Workers and main sees the same keys", async () => {
  const two = spec("lru2", 1, 128);
  const many = spec("lru16", 1, 16 * 64);
  const state = exportSharedState([two, many]);
  await withPeers(2, async ([a, b]) => {
    await Promise.all([a.ask({ op: "import", state }), b.ask({ op: "import", state })]);
    const take = (p: SharedPeer, key: string) =>
      p.ask<boolean[]>({ op: "take", zone: two, keys: [key], burst: 0 }).then((r) => r[0]);
    assert.equal(await take(a, "a"), true);
    assert.equal(await take(b, "b"), true);
    assert.equal(await take(b, "a"), false, "a's bucket is shared");
    assert.equal(await take(a, "c"), true, "evicts b, the least recently used");
    assert.equal(await take(a, "b"), true, "b starts again full; evicts a");
    assert.equal(await take(b, "c"), false);
    assert.equal(await a.ask({ op: "size", zone: two }), 2);

    const keys = (p: string) => Array.from({ length: 500 }, (_, i) => `${p}${i}`);
    await Promise.all([
      a.ask({ op: "take", zone: many, keys: keys("a"), burst: 0 }),
      b.ask({ op: "take", zone: many, keys: keys("b"), burst: 0 }),
    ]);
    assert.equal(await a.ask({ op: "size", zone: many }), 16);
    assert.equal(await b.ask({ op: "size", zone: many }), 16);
    assert.equal(SHARED_ZONES.zone(many).size, 16, "main's zone is the same buffer");
  });
});

Deno.test("a shared zone survives a reload with the same spec and is replaced when it changes", async () => {
  const zone = spec("reload", 1);
  const first = exportSharedState([zone]);
  await withPeers(2, async ([a, b]) => {
    const take = (p: SharedPeer, z: typeof zone) =>
      p.ask<boolean[]>({ op: "take", zone: z, keys: ["x"], burst: 0 }).then((r) => r[0]);
    await Promise.all([
      a.ask({ op: "import", state: first }),
      b.ask({ op: "import", state: first }),
    ]);
    assert.equal(await take(a, zone), true);
    assert.equal(await take(b, zone), false);

    const same = exportSharedState([{ ...zone }]);
    assert.equal(same.zones[0].buffer, first.zones[0].buffer);
    await Promise.all([a.ask({ op: "import", state: same }), b.ask({ op: "import", state: same })]);
    assert.equal(await take(b, zone), false, "the same spec keeps its buckets");

    const changed = { ...zone, rate: 2 };
    const next = exportSharedState([changed]);
    assert.equal(next.zones.length, 1);
    assert.notEqual(next.zones[0].buffer, first.zones[0].buffer);
    await Promise.all([a.ask({ op: "import", state: next }), b.ask({ op: "import", state: next })]);
    assert.equal(await take(b, changed), true, "a changed spec starts with new buckets");
    assert.equal(await take(a, changed), false);
  });
  assert.deepEqual(exportSharedState([]).zones, []);
});

Deno.test("ZoneExporter and ZoneImporter share buckets between two registries", () => {
  const main = new LimitZoneRegistry();
  const worker = new LimitZoneRegistry();
  const before = worker.zone(spec("pair", 1));
  const exporter = new ZoneExporter(main);
  const importer = new ZoneImporter(worker);
  importer.import(exporter.export([spec("pair", 1)]));
  const w = worker.zone(spec("pair", 1));
  assert.notEqual(w, before, "zones made before sharing are not kept");
  assert.ok(w.table instanceof SharedBuckets);
  assert.equal(main.zone(spec("pair", 1)).take("k", 0), true);
  assert.equal(w.take("k", 0), false);
  assert.equal(worker.zone(spec("pair", 1)), w, "an unchanged spec keeps its zone");
  assert.equal(worker.zone(spec("other", 1)).table instanceof SharedBuckets, false);
});
