import assert from "node:assert/strict";
import { freePort } from "../_support/ports.ts";
import { HealthRegistry } from "../../lib/balancer/health.ts";
import { curl, status } from "../_support/curl.ts";
import { startOrigin } from "../_support/origins.ts";
import { eventually } from "../_support/wait.ts";
import {
  location,
  options,
  proxyTo,
  startRawOrigin,
  startReverse,
  timeouts,
  upstream,
  upstreamServer,
} from "./_harness.ts";

// Failures: next-server retry on connect errors, passive and active health, 502/503/504.

Deno.test("ReverseProxy skips a killed server without a client error and takes it back after rise_times checks", async () => {
  const a = startOrigin("A");
  const b = startOrigin("B");
  const aPort = a.port;
  const server = (port: number) =>
    upstreamServer(port, { fall_times: 2, rise_times: 2, fail_timeout: 600 });
  const up = upstream("hc", [server(aPort), server(b.port)], {
    healthCheck: { path: "/health", intervalMs: 100, timeoutMs: 500 },
  });
  const p = startReverse(options([location("/", proxyTo(up))]));
  let a2: ReturnType<typeof startOrigin> | undefined;
  const aState = () => p.proxy.status().hc[`127.0.0.1:${aPort}`];
  try {
    const before = await curl(
      Array.from({ length: 4 }, (_, i) => ["-w", "\n", `${p.url}/${i}`]).flat(),
    );
    assert.deepEqual(before.stdout.trim().split("\n").map((l) => l[0]).sort(), [
      "A",
      "A",
      "B",
      "B",
    ]);
    await a.close();
    // Every request still succeeds: connects to A fail and move on to B.
    for (let i = 0; i < 10; i++) {
      const r = await curl(["-o", "/dev/null", "-w", "%{http_code}", `${p.url}/down${i}`]);
      assert.equal(r.stdout, "200", `request ${i} during the outage`);
    }
    assert.equal(aState().up, false, "A is marked down");
    assert.equal(b.seen.filter((s) => s.path.startsWith("/down")).length, 10);
    // A comes back on the same port; active checks (not the 600 s fail_timeout) return it.
    a2 = startOrigin("A2", undefined, { port: aPort });
    await eventually(() => aState().up, 5000, "A to be marked up again");
    const active = aState().active as { successes: number; checks: number };
    assert.ok(active.successes >= 2, `rose after ${active.successes} successful checks`);
    const after = await curl(
      Array.from({ length: 4 }, (_, i) => ["-w", "\n", `${p.url}/${i}`]).flat(),
    );
    assert.ok(after.stdout.includes("A2 /"), `A serves again: ${after.stdout}`);
    assert.ok(a2.seen.some((s) => s.path === "/health"), "checks GET the configured path");
  } finally {
    await p.close();
    await a2?.close();
    await b.close();
  }
});

Deno.test("ReverseProxy passive health alone brings a server back after fail_timeout", async () => {
  const dead = freePort();
  const b = startOrigin("B");
  const health = new HealthRegistry();
  const up = upstream("p", [
    upstreamServer(dead, { fall_times: 1, fail_timeout: 0.3 }),
    upstreamServer(b.port),
  ]);
  const p = startReverse(options([location("/", proxyTo(up))]), "127.0.0.1", health);
  try {
    assert.equal(await status(`${p.url}/1`), 200);
    assert.equal(health.get(`127.0.0.1:${dead}`).isUp(), false);
    await eventually(() => health.get(`127.0.0.1:${dead}`).isUp(), 5000, "fail_timeout to pass");
    // Round-robin comes back to the dead server within two requests.
    const r = await curl(["-w", " %{http_code}\n", `${p.url}/2`, `${p.url}/3`]);
    assert.equal(r.stdout, "B /2 200\nB /3 200\n");
    assert.equal(health.get(`127.0.0.1:${dead}`).toJSON().failures, 2, "tried again, failed again");
  } finally {
    await p.close();
    await b.close();
  }
});

Deno.test("ReverseProxy moves on to the next server when a connect fails or times out", async () => {
  const b = startOrigin("B");
  const t = timeouts({ proxyConnect: 300 });
  const up = upstream("n", [
    upstreamServer(81, { hostname: "192.0.2.1" }), // TEST-NET-1: never answers
    upstreamServer(freePort()),
    upstreamServer(b.port),
  ]);
  const p = startReverse(options([location("/", proxyTo(up), { timeouts: t })]));
  try {
    const r = await curl(["-w", " %{http_code}", `${p.url}/x`]);
    assert.equal(r.stdout, "B /x 200");
    assert.equal(b.seen.length, 1);
  } finally {
    await p.close();
    await b.close();
  }
});

Deno.test("ReverseProxy answers 502 when no server can be reached", async () => {
  const p = startReverse(options([
    location("/", proxyTo(upstream("none", [freePort(), freePort()]))),
  ]));
  try {
    const r = await curl(["-i", `${p.url}/`]);
    assert.match(r.stdout, /^HTTP\/1\.1 502 Bad Gateway\r\n/);
    assert.match(r.stdout, /connect to 127\.0\.0\.1:\d+ failed: refused/);
  } finally {
    await p.close();
  }
});

Deno.test("ReverseProxy answers 503 while every server is marked down", async () => {
  const up = upstream("down", [
    upstreamServer(freePort(), { fall_times: 1 }),
    upstreamServer(freePort(), { fall_times: 1 }),
  ]);
  const p = startReverse(options([location("/", proxyTo(up))]));
  try {
    assert.equal(await status(`${p.url}/`), 502, "both fail: now both are down");
    const r = await curl(["-i", `${p.url}/`]);
    assert.match(r.stdout, /^HTTP\/1\.1 503 Service Unavailable\r\n/);
    assert.match(r.stdout, /every server of upstream "down" is down/);
  } finally {
    await p.close();
  }
});

Deno.test("ReverseProxy answers 504 when the response head does not come within proxyRead", async () => {
  const { promise: never, resolve: release } = Promise.withResolvers<null>();
  const silent = startRawOrigin(() => never);
  const fast = startOrigin("F");
  const t = timeouts({ proxyRead: 300 });
  const p = startReverse(options([
    location("/slow", proxyTo(upstream("s", [silent.port])), { timeouts: t }),
    location("/", proxyTo(upstream("f", [fast.port]))),
  ]));
  try {
    const started = Date.now();
    const r = await curl(["-w", "|%{http_code} %{num_connects}\n", `${p.url}/slow`, `${p.url}/ok`]);
    const [slow, ok] = r.stdout.split("|").slice(0, 3).map((x) => x.trim());
    assert.match(slow, /^504 Gateway Timeout: no response from 127\.0\.0\.1:\d+ within 300 ms$/);
    assert.equal(ok, "504 1\nF /ok");
    assert.match(r.stdout, /\|200 0\n$/, "the client connection stayed open after the 504");
    assert.ok(Date.now() - started >= 280);
  } finally {
    release(null);
    await p.close();
    await silent.close();
    await fast.close();
  }
});

Deno.test("ReverseProxy answers 502 for a broken response and closes the upstream", async () => {
  const bad = startRawOrigin(() =>
    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"
  );
  const p = startReverse(options([location("/", proxyTo(upstream("b", [bad.port])))]));
  try {
    const r = await curl(["-i", `${p.url}/`]);
    assert.match(r.stdout, /^HTTP\/1\.1 502 /);
    assert.match(r.stdout, /differing Content-Length/);
    await eventually(() => bad.ended() === 1, 5000, "the upstream connection to close");
  } finally {
    await p.close();
    await bad.close();
  }
});
