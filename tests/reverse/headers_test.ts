import assert from "node:assert/strict";
import { curl } from "../_support/curl.ts";
import { startOrigin } from "../_support/origins.ts";
import {
  location,
  options,
  proxyTo,
  rules,
  startRawOrigin,
  startReverse,
  textResponse,
  upstream,
  upstreamServer,
} from "./_harness.ts";

// Header handling through the proxy: X-Forwarded-*, Host, hop-by-hop fields, header rules.

Deno.test("ReverseProxy sets X-Forwarded-For (appended), -Proto and -Host and keeps Host", async () => {
  const origin = startOrigin("O");
  const p = startReverse(options([location("/", proxyTo(upstream("o", [origin.port])))]));
  try {
    const r = await curl([
      "-H",
      "Host: site.test:8443",
      "-H",
      "X-Forwarded-For: 203.0.113.7",
      "-H",
      "X-Forwarded-Proto: https",
      "-H",
      "X-Forwarded-Host: evil.test",
      `${p.url}/a`,
    ]);
    assert.equal(r.stdout, "O /a");
    const h = origin.seen[0].headers;
    assert.equal(h.get("host"), "site.test:8443");
    assert.equal(h.get("x-forwarded-for"), "203.0.113.7, 127.0.0.1");
    assert.equal(h.get("x-forwarded-proto"), "http");
    assert.equal(h.get("x-forwarded-host"), "site.test:8443");
    const plain = await curl([`${p.url}/b`]);
    assert.equal(plain.stdout, "O /b");
    assert.equal(origin.seen[1].headers.get("x-forwarded-for"), "127.0.0.1");
  } finally {
    await p.close();
    await origin.close();
  }
});

Deno.test("ReverseProxy sends the action's hostHeader (a template) instead of Host", async () => {
  const origin = startOrigin("O");
  const up = upstream("o", [origin.port]);
  const p = startReverse(options([location("/", proxyTo(up, "backend-{host}.internal"))]));
  try {
    await curl(["-H", "Host: Site.test", `${p.url}/`]);
    assert.equal(origin.seen[0].headers.get("host"), "backend-site.test.internal");
    assert.equal(origin.seen[0].headers.get("x-forwarded-host"), "Site.test");
  } finally {
    await p.close();
    await origin.close();
  }
});

Deno.test("ReverseProxy drops hop-by-hop request fields and those Connection names", async () => {
  const origin = startOrigin("O");
  const p = startReverse(options([location("/", proxyTo(upstream("o", [origin.port])))]));
  try {
    await curl([
      "-H",
      "Connection: keep-alive, X-Secret",
      "-H",
      "X-Secret: s",
      "-H",
      "Keep-Alive: timeout=5",
      "-H",
      "TE: trailers",
      "-H",
      "Proxy-Authorization: Basic eDp5",
      "-H",
      "X-Kept: yes",
      `${p.url}/`,
    ]);
    const h = origin.seen[0].headers;
    for (const name of ["x-secret", "keep-alive", "te", "proxy-authorization"]) {
      assert.equal(h.get(name), null, `${name} must not be forwarded`);
    }
    assert.equal(h.get("x-kept"), "yes");
  } finally {
    await p.close();
    await origin.close();
  }
});

Deno.test("ReverseProxy drops hop-by-hop response fields", async () => {
  const origin = startRawOrigin(() =>
    textResponse("hi", 200, [
      "Connection: keep-alive, X-Hop",
      "X-Hop: 1",
      "Keep-Alive: timeout=5",
      "X-End: 2",
    ])
  );
  const p = startReverse(options([location("/", proxyTo(upstream("o", [origin.port])))]));
  try {
    const r = await curl(["-i", `${p.url}/`]);
    assert.match(r.stdout, /^HTTP\/1\.1 200 X\r\n/);
    assert.doesNotMatch(r.stdout, /X-Hop|Keep-Alive|Connection:/i);
    assert.match(r.stdout, /\r\nX-End: 2\r\n/);
    assert.match(r.stdout, /\r\n\r\nhi$/);
  } finally {
    await p.close();
    await origin.close();
  }
});

Deno.test("ReverseProxy applies proxy rules to the upstream request, with variables", async () => {
  const origin = startOrigin("O");
  const up = upstream("o", [origin.port]);
  const p = startReverse(options([location(
    "/",
    proxyTo(up),
    {
      headers: rules(
        "proxy X-Real-IP {client_ip}",
        "proxy X-Via {scheme}://{host}{url} {method}",
        "proxy X-Path {path}?{query}",
        "proxy X-Up {upstream_addr}",
        "proxy X-Server {server_addr}:{server_port}",
        "proxy X-Echo-UA {http_user_agent}",
        "proxy User-Agent wmproxy-test",
        "proxy Accept",
      ),
    },
  )]));
  try {
    await curl(["-A", "curl-test", "-H", "Host: h.test", `${p.url}/p/q?x=1`]);
    const h = origin.seen[0].headers;
    assert.equal(h.get("x-real-ip"), "127.0.0.1");
    assert.equal(h.get("x-via"), "http://h.test/p/q?x=1 GET");
    assert.equal(h.get("x-path"), "/p/q?x=1");
    assert.equal(h.get("x-up"), `127.0.0.1:${origin.port}`);
    assert.equal(h.get("x-server"), `127.0.0.1:${p.port}`);
    assert.equal(h.get("x-echo-ua"), "curl-test");
    assert.equal(h.get("user-agent"), "wmproxy-test", "a proxy rule replaces the field");
    assert.equal(h.get("accept"), null, "an empty proxy rule removes the field");
  } finally {
    await p.close();
    await origin.close();
  }
});

Deno.test("ReverseProxy applies add, set and remove rules to the response", async () => {
  const origin = startOrigin("O", () =>
    new Response("body", {
      headers: { "X-Remove-Me": "1", "X-Replace": "old", "Cache-Control": "no-store" },
    }));
  const up = upstream("o", [origin.port]);
  const p = startReverse(options([location(
    "/",
    proxyTo(up),
    {
      headers: rules(
        "+ X-Added a",
        "+ X-Added b-{method}",
        "- X-Remove-Me",
        "X-Replace new {client_ip}",
        "+ Cache-Control public",
        "+ X-Note 'from proxy' é",
      ),
    },
  )]));
  try {
    const r = await curl(["-i", `${p.url}/`]);
    const head = r.stdout.split("\r\n\r\n")[0].toLowerCase();
    assert.match(head, /\r\nx-added: a\r\n/);
    assert.match(head, /\r\nx-added: b-get\r\n/);
    assert.doesNotMatch(head, /x-remove-me/);
    assert.match(head, /\r\nx-replace: new 127\.0\.0\.1\r\n/);
    assert.doesNotMatch(head, /x-replace: old/);
    assert.match(head, /\r\ncache-control: no-store\r\n/);
    assert.match(head, /\r\ncache-control: public\r\n/);
    const note = r.stdout.split("\r\n").find((l) => l.startsWith("X-Note"));
    assert.equal(note, "X-Note: 'from proxy' é", "UTF-8 in a rule goes out as UTF-8");
    assert.match(r.stdout, /\r\n\r\nbody$/);
  } finally {
    await p.close();
    await origin.close();
  }
});

Deno.test("ReverseProxy response rules also apply to static responses", async () => {
  const p = startReverse(options([location(
    "/",
    { kind: "static", body: "ok", status: 200 },
    { headers: rules("+ X-A 1", "Content-Type text/html") },
  )]));
  try {
    const r = await curl(["-i", `${p.url}/`]);
    assert.match(r.stdout, /\r\nX-A: 1\r\n/);
    assert.match(r.stdout, /\r\nContent-Type: text\/html\r\n/);
    assert.doesNotMatch(r.stdout, /text\/plain/);
  } finally {
    await p.close();
  }
});

Deno.test("ReverseProxy works over IPv6: [::1] client, listener and upstream", async () => {
  const ac = new AbortController();
  const seen: Headers[] = [];
  const origin = Deno.serve(
    { hostname: "::1", port: 0, signal: ac.signal, onListen() {} },
    (req) => {
      seen.push(req.headers);
      return new Response("v6");
    },
  );
  const up = upstream("six", [upstreamServer(origin.addr.port, { hostname: "::1" })]);
  const p = startReverse(
    options([location("/", proxyTo(up), { headers: rules("proxy X-Up {upstream_addr}") })]),
    "::1",
  );
  try {
    const r = await curl(["-g", `${p.url}/x`]);
    assert.equal(r.stdout, "v6", r.stderr);
    assert.equal(seen[0].get("x-forwarded-for"), "::1");
    assert.equal(seen[0].get("x-up"), `[::1]:${origin.addr.port}`);
    assert.equal(seen[0].get("host"), `[::1]:${p.port}`);
  } finally {
    await p.close();
    ac.abort();
    await origin.finished;
  }
});
