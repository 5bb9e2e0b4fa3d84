import assert from "node:assert/strict";
import { curl, status } from "../_support/curl.ts";
import { rawExchange, readToEnd, writeAll } from "../_support/io.ts";
import { startOrigin } from "../_support/origins.ts";
import {
  cidr,
  location,
  options,
  proxyTo,
  server,
  startReverse,
  staticBody,
  upstream,
} from "./_harness.ts";

// Routing through a real listener, driven by curl: server by Host, location by path/method.

Deno.test("ReverseProxy routes by location: longest prefix, then glob/regex in config order", async () => {
  const p = startReverse(options([
    location("/", staticBody("root")),
    location("/api", staticBody("api")),
    location("/api/v1", staticBody("api-v1")),
    location("* /files/*.txt", staticBody("glob")),
    location("~ \\.(png|jpg)$", staticBody("image")),
    location("@ws", staticBody("named")),
  ]));
  try {
    const expect: [string, string][] = [
      ["/", "root"],
      ["/api/x", "api"],
      ["/api/v1/users", "api-v1"],
      ["/api/v1/logo.png", "image"],
      ["/files/a.txt", "glob"],
      ["/files/sub/a.txt", "root"],
      ["/x.jpg?size=2", "image"],
      ["/@ws", "root"],
    ];
    const r = await curl(expect.flatMap(([path]) => ["-w", "\n", `${p.url}${path}`]));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split("\n"), expect.map(([, body]) => body));
  } finally {
    await p.close();
  }
});

Deno.test("ReverseProxy answers 404 when no location matches", async () => {
  const p = startReverse(options([location("/only", staticBody("x"))]));
  try {
    assert.equal(await status(`${p.url}/elsewhere`), 404);
    assert.equal(await status(`${p.url}/only/yes`), 200);
  } finally {
    await p.close();
  }
});

Deno.test("ReverseProxy answers 405 with Allow when no location takes the method", async () => {
  const p = startReverse(options([
    location("/api", staticBody("post"), { methods: ["POST"] }),
    location("/api", staticBody("get"), { methods: ["GET"] }),
    location("/open", staticBody("any")),
  ]));
  try {
    const get = await curl([`${p.url}/api`]);
    assert.equal(get.stdout, "get");
    const post = await curl(["-X", "POST", `${p.url}/api`]);
    assert.equal(post.stdout, "post");
    const del = await curl(["-i", "-X", "DELETE", `${p.url}/api/x`]);
    assert.match(del.stdout, /^HTTP\/1\.1 405 /);
    assert.match(del.stdout, /\r\nAllow: GET, HEAD, POST\r\n/);
    assert.equal(await status(`${p.url}/open`, "-X", "DELETE"), 200);
  } finally {
    await p.close();
  }
});

Deno.test("ReverseProxy picks the server by Host (port ignored, any case) or the first", async () => {
  const p = startReverse({
    tls: false,
    servers: [
      server(["default.test"], [location("/", staticBody("default"))]),
      server(["a.test", "www.a.test"], [location("/", staticBody("a"))]),
      server(["b.test"], [location("/", staticBody("b {host}"))]),
    ],
  });
  try {
    const cases: [string, string][] = [
      ["a.test", "a"],
      ["WWW.A.Test:8080", "a"],
      ["b.test.", "b b.test"],
      ["unknown.test", "default"],
      ["default.test", "default"],
    ];
    for (const [host, body] of cases) {
      const r = await curl(["-H", `Host: ${host}`, `${p.url}/`]);
      assert.equal(r.stdout, body, `Host: ${host}`);
    }
    // An absolute-form target names the host instead of the Host header.
    const abs = await rawExchange(
      p.port,
      "GET http://b.test/x HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n",
    );
    assert.match(abs, /\r\n\r\nb b\.test$/);
  } finally {
    await p.close();
  }
});

Deno.test("ReverseProxy static_response expands every variable", async () => {
  const body = [
    "ip={client_ip}",
    "host={host}",
    "url={url}",
    "path={path}",
    "query={query}",
    "method={method}",
    "scheme={scheme}",
    "server={server_addr}:{server_port}",
    "upstream=[{upstream_addr}]",
    "ua={http_user_agent}",
    "unknown={nope}",
  ].join(" ");
  const p = startReverse(options([location("/s", staticBody(body, 201))]));
  try {
    const r = await curl([
      "-i",
      "-H",
      "Host: Example.TEST:81",
      "-A",
      "tester/1",
      `${p.url}/s/a%20b?x=1&y=2`,
    ]);
    assert.match(r.stdout, /^HTTP\/1\.1 201 /);
    assert.match(r.stdout, /\r\nContent-Type: text\/plain; charset=utf-8\r\n/);
    const text = r.stdout.split("\r\n\r\n")[1];
    assert.equal(
      text,
      `ip=127.0.0.1 host=example.test url=/s/a%20b?x=1&y=2 path=/s/a%20b query=x=1&y=2 ` +
        `method=GET scheme=http server=127.0.0.1:${p.port} upstream=[] ua=tester/1 ` +
        `unknown={nope}`,
    );
    const head = await curl(["-I", `${p.url}/s`]);
    assert.match(head.stdout, /^HTTP\/1\.1 201 /);
    assert.match(head.stdout, /Content-Length: \d+/);
  } finally {
    await p.close();
  }
});

Deno.test("ReverseProxy answers 403 to clients outside the allow/deny lists", async () => {
  const origin = startOrigin("O");
  const up = upstream("o", [origin.port]);
  const p = startReverse(options([
    location("/admin", proxyTo(up), { allow: cidr("10.0.0.0/8") }),
    location("/private", staticBody("private"), { deny: cidr("127.0.0.2") }),
    location("/", proxyTo(up)),
  ], { deny: cidr("127.0.0.3/32") }));
  try {
    assert.equal(await status(`${p.url}/admin`), 403);
    // Encoded and dotted paths are matched normalized: no way around the location rule.
    assert.equal(await status(`${p.url}/%61dmin`), 403);
    assert.equal(await status(`${p.url}/x/../admin`, "--path-as-is"), 403);
    assert.equal(await status(`${p.url}//admin`), 403);
    assert.equal(await status(`${p.url}/private`), 200);
    assert.equal(await status(`${p.url}/private`, "--interface", "127.0.0.2"), 403);
    assert.equal(await status(`${p.url}/`, "--interface", "127.0.0.2"), 200);
    assert.equal(await status(`${p.url}/`, "--interface", "127.0.0.3"), 403, "server deny");
    assert.equal(
      origin.seen.filter((s) => s.path.includes("admin")).length,
      0,
      "refused requests never reach the origin",
    );
  } finally {
    await p.close();
    await origin.close();
  }
});

Deno.test("ReverseProxy refuses CONNECT and bad paths without forwarding", async () => {
  const origin = startOrigin("O");
  const p = startReverse(options([location("/", proxyTo(upstream("o", [origin.port])))]));
  try {
    const connect = await rawExchange(p.port, "CONNECT a.test:443 HTTP/1.1\r\nHost: a\r\n\r\n");
    assert.match(connect, /^HTTP\/1\.1 405 /);
    const climb = await rawExchange(
      p.port,
      "GET /../etc/passwd HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    );
    assert.match(climb, /^HTTP\/1\.1 400 /);
    assert.equal(origin.seen.length, 0);
  } finally {
    await p.close();
    await origin.close();
  }
});

Deno.test("ReverseProxy drops the unread body of a refused request and keeps the connection", async () => {
  const p = startReverse(options([location("/", staticBody("ok"), { deny: cidr("127.0.0.1") })]));
  try {
    const big = "x".repeat(200_000);
    const r = await rawExchange(
      p.port,
      `POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: ${big.length}\r\n\r\n${big}` +
        "GET /b HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    );
    const answers = r.split("HTTP/1.1 403 Forbidden\r\n");
    assert.equal(answers.length, 3, "both requests were answered on one connection");
  } finally {
    await p.close();
  }
});

Deno.test("ReverseProxy closes a client that stops sending a body it must drop", async () => {
  const t = { ...location("/", staticBody("x")).timeouts, clientRead: 300 };
  const p = startReverse(options([
    location("/", staticBody("ok"), { deny: cidr("127.0.0.1"), timeouts: t }),
  ], { timeouts: t }));
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: p.port });
  try {
    await writeAll(conn, "POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\nonly some");
    const answer = new TextDecoder().decode(await readToEnd(conn));
    assert.equal(answer, "", "closed without an answer to a request it could not finish");
  } finally {
    conn.close();
    await p.close();
  }
});
