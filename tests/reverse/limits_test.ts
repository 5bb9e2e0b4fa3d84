import assert from "node:assert/strict";
import { loadConfigText } from "../../lib/config/load.ts";
import {
  LimitZone,
  type LimitZoneOptions,
  LimitZoneRegistry,
} from "../../lib/reverse/limit_req.ts";
import { reverseOptions } from "../../lib/server/reverse_options.ts";
import { sha256 } from "../_support/bytes.ts";
import { curl } from "../_support/curl.ts";
import { startOrigin } from "../_support/origins.ts";
import { location, options, proxyTo, startReverse, upstream } from "./_harness.ts";

// limit_req (503 past the burst, per key, recovery) and rate_limit (paced responses).

function zone(overrides: Partial<LimitZoneOptions> = {}): LimitZone {
  return new LimitZone({
    name: "z",
    key: "{client_ip}",
    rate: 2,
    limit: 1024 * 1024,
    ...overrides,
  });
}

/** Status codes of `n` requests to `url` on one keep-alive curl connection. */
async function statuses(url: string, n: number, extra: string[] = []): Promise<number[]> {
  const targets = Array.from({ length: n }, () => ["-o", "/dev/null", url]).flat();
  const r = await curl([...extra, "-w", "%{http_code}\\n", ...targets]);
  return r.stdout.trim().split("\n").map(Number);
}

Deno.test("ReverseProxy limit_req answers 503 past the burst and lets the first burst + 1 through", async () => {
  const origin = startOrigin("O");
  const loc = location("/", proxyTo(upstream("o", [origin.port])), {
    limitReq: { zone: zone(), burst: 3 },
  });
  const p = startReverse(options([loc]));
  try {
    const codes = await statuses(`${p.url}/a`, 10);
    assert.deepEqual(codes.slice(0, 4), [200, 200, 200, 200]);
    assert.ok(codes.filter((c) => c === 503).length >= 5, codes.join(" "));
    assert.ok(codes.every((c) => c === 200 || c === 503), codes.join(" "));
    assert.ok(origin.seen.length <= 6);
  } finally {
    await p.close();
    await origin.close();
  }
});

Deno.test("ReverseProxy limit_req keeps one bucket per key and recovers at the rate", async () => {
  const origin = startOrigin("O");
  const z = zone({ key: "{http_x_user}", rate: 10 });
  const p = startReverse(options([
    location("/", proxyTo(upstream("o", [origin.port])), { limitReq: { zone: z, burst: 0 } }),
  ]));
  try {
    assert.deepEqual(await statuses(`${p.url}/`, 2, ["-H", "X-User: a"]), [200, 503]);
    assert.deepEqual(await statuses(`${p.url}/`, 2, ["-H", "X-User: b"]), [200, 503]);
    assert.equal(z.size, 2);
    // A token comes back every 100 ms: poll until one does.
    const started = Date.now();
    let code = 503;
    while (code === 503 && Date.now() - started < 3000) {
      [code] = await statuses(`${p.url}/`, 1, ["-H", "X-User: a"]);
    }
    assert.equal(code, 200);
  } finally {
    await p.close();
    await origin.close();
  }
});

Deno.test("ReverseProxy limit_req zones are shared by every location naming them", async () => {
  const origin = startOrigin("O");
  const z = zone({ rate: 0.001 });
  const up = upstream("o", [origin.port]);
  const p = startReverse(options([
    location("/a", proxyTo(up), { limitReq: { zone: z, burst: 1 } }),
    location("/b", proxyTo(up), { limitReq: { zone: z, burst: 1 } }),
  ]));
  try {
    assert.deepEqual(await statuses(`${p.url}/a`, 1), [200]);
    assert.deepEqual(await statuses(`${p.url}/b`, 2), [200, 503]);
  } finally {
    await p.close();
    await origin.close();
  }
});

Deno.test("LimitZone forgets the least recently used key when full and refills over time", () => {
  let now = 0;
  const z = new LimitZone({ name: "z", key: "{client_ip}", rate: 1, limit: 128 }, () => now);
  assert.equal(z.maxKeys, 2);
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

Deno.test("ReverseProxy rate_limit paces a proxied response to the configured bandwidth", async () => {
  const body = new Uint8Array(256 * 1024).map((_, i) => i % 251);
  const origin = startOrigin("O", () => new Response(body));
  const p = startReverse(options([
    location("/", proxyTo(upstream("o", [origin.port])), { rateLimit: 128 * 1024 }),
  ]));
  const file = await Deno.makeTempFile();
  try {
    const started = performance.now();
    const r = await curl(["-o", file, `${p.url}/big`]);
    const seconds = (performance.now() - started) / 1000;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await sha256(await Deno.readFile(file)), await sha256(body));
    assert.ok(seconds > 1.6 && seconds < 2.4, `took ${seconds.toFixed(2)} s, expected about 2`);
  } finally {
    await Deno.remove(file);
    await p.close();
    await origin.close();
  }
});

Deno.test("reverseOptions() keeps a limit_req zone across reloads while its spec is unchanged", () => {
  const settings = (spec: string) => {
    const http = loadConfigText([
      "[http.limit_req_zone]",
      `z = "${spec}"`,
      "[[http.server]]",
      'bind_addr = "127.0.0.1:82"',
      'limit_req = "zone=z burst=2"',
      "[[http.server.location]]",
      'rule = "/a"',
      'static_response = "a"',
      "[[http.server.location]]",
      'rule = "/b"',
      'static_response = "b"',
    ].join("\n")).config.http!;
    return { servers: http.server, upstreams: http.upstream };
  };
  const registry = new LimitZoneRegistry();
  const zoneOf = (spec: string, i: number) =>
    reverseOptions(settings(spec), new Map(), registry).servers[0].locations[i].limitReq!.zone;
  const first = zoneOf("{client_ip} rate=5r/s", 0);
  assert.equal(zoneOf("{client_ip} rate=5r/s", 1), first);
  assert.equal(zoneOf("{client_ip} rate=5r/s", 0), first);
  const changed = zoneOf("{client_ip} rate=6r/s", 0);
  assert.notEqual(changed, first);
  assert.equal(changed.options.rate, 6);
});
