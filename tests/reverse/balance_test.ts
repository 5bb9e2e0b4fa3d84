import assert from "node:assert/strict";
import { curl } from "../_support/curl.ts";
import { startOrigin, type TestOrigin } from "../_support/origins.ts";
import { eventually } from "../_support/wait.ts";
import {
  location,
  options,
  proxyTo,
  startRawOrigin,
  startReverse,
  textResponse,
  upstream,
  upstreamServer,
} from "./_harness.ts";

// Balance methods through the proxy, counted at the origins.

function counts(origins: TestOrigin[]): number[] {
  return origins.map((o) => o.seen.length);
}

Deno.test("ReverseProxy round-robin follows the weights within 5%", async () => {
  const origins = ["A", "B", "C"].map((t) => startOrigin(t));
  const weights = [100, 200, 300];
  const up = upstream(
    "w",
    origins.map((o, i) => upstreamServer(o.port, { weight: weights[i] })),
  );
  const p = startReverse(options([location("/", proxyTo(up))]));
  try {
    const n = 600;
    const r = await curl(Array.from({ length: n }, (_, i) => `${p.url}/${i}`));
    assert.equal(r.code, 0, r.stderr);
    const seen = counts(origins);
    assert.equal(seen.reduce((a, b) => a + b), n);
    weights.forEach((w, i) => {
      const expected = (n * w) / 600;
      assert.ok(
        Math.abs(seen[i] - expected) <= expected * 0.05,
        `server ${i} got ${seen[i]} of ${n}, expected ${expected}`,
      );
    });
  } finally {
    await p.close();
    for (const o of origins) await o.close();
  }
});

Deno.test("ReverseProxy least_conn sends new requests to the server with fewer in flight", async () => {
  // A holds its requests until released; B answers at once.
  const { promise: release, resolve } = Promise.withResolvers<void>();
  const a = startRawOrigin(async (req) => {
    await release;
    return textResponse(`A ${req.requestLine}`);
  });
  const b = startRawOrigin((req) => textResponse(`B ${req.requestLine}`));
  const up = upstream("lc", [a.port, b.port], { method: { kind: "least_conn" } });
  const p = startReverse(options([location("/", proxyTo(up))]));
  try {
    const held = curl([`${p.url}/held`]);
    await eventually(() => a.requests.length === 1, 5000, "A to get the first request");
    const r = await curl(Array.from({ length: 10 }, (_, i) => `${p.url}/${i}`));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(b.requests.length, 10, "with A busy, every new request went to B");
    assert.equal(a.requests.length, 1);
    resolve();
    assert.equal((await held).stdout, "A GET /held HTTP/1.1");
  } finally {
    resolve();
    await p.close();
    await a.close();
    await b.close();
  }
});

Deno.test("ReverseProxy least_conn weighs requests in flight by server weight", async () => {
  const { promise: release, resolve } = Promise.withResolvers<void>();
  const hold = (tag: string) =>
    startRawOrigin(async (req) => {
      await release;
      return textResponse(`${tag} ${req.requestLine}`);
    });
  const a = hold("A");
  const b = hold("B");
  const up = upstream("lcw", [
    upstreamServer(a.port, { weight: 300 }),
    upstreamServer(b.port, { weight: 100 }),
  ], { method: { kind: "least_conn" } });
  const p = startReverse(options([location("/", proxyTo(up))]));
  const pending: Promise<unknown>[] = [];
  try {
    for (let i = 1; i <= 8; i++) {
      pending.push(curl([`${p.url}/${i}`]));
      await eventually(
        () => a.requests.length + b.requests.length === i,
        5000,
        `request ${i} to arrive`,
      );
    }
    assert.deepEqual([a.requests.length, b.requests.length], [6, 2]);
  } finally {
    resolve();
    await Promise.all(pending);
    await p.close();
    await a.close();
    await b.close();
  }
});

Deno.test("ReverseProxy ip_hash keeps a client on one server", async () => {
  const origins = ["A", "B", "C", "D"].map((t) => startOrigin(t));
  const up = upstream("ih", origins.map((o) => o.port), { method: { kind: "ip_hash" } });
  const p = startReverse(options([location("/", proxyTo(up))]));
  try {
    const picked = new Set<string>();
    for (const ip of ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"]) {
      const r = await curl([
        "--interface",
        ip,
        ...Array.from({ length: 10 }, (_, i) => ["-w", "\n", `${p.url}/${i}`]).flat(),
      ]);
      const tags = new Set(r.stdout.trim().split("\n").map((l) => l.split(" ")[0]));
      assert.equal(tags.size, 1, `${ip} stayed on one server: ${[...tags]}`);
      picked.add([...tags][0]);
    }
    assert.ok(picked.size >= 2, "different clients spread over servers");
  } finally {
    await p.close();
    for (const o of origins) await o.close();
  }
});

Deno.test("ReverseProxy hash of a template keeps a key on one server and spreads keys", async () => {
  const origins = ["A", "B", "C"].map((t) => startOrigin(t));
  const up = upstream("h", origins.map((o) => o.port), {
    method: { kind: "hash", key: "{path}" },
  });
  const p = startReverse(options([location("/", proxyTo(up))]));
  try {
    const paths = Array.from({ length: 30 }, (_, i) => `/k${i}`);
    const first = await curl(paths.flatMap((x) => ["-w", "\n", `${p.url}${x}`]));
    const again = await curl(paths.flatMap((x) => ["-w", "\n", `${p.url}${x}`]));
    assert.equal(again.stdout, first.stdout, "each path went to the same server both times");
    assert.ok(counts(origins).every((n) => n > 0), `keys spread: ${counts(origins)}`);
  } finally {
    await p.close();
    for (const o of origins) await o.close();
  }
});
