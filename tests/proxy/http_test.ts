import assert from "node:assert/strict";
import { CidrSet } from "../../lib/net/cidr.ts";
import { encoder, randomBytes, sha256 } from "../_support/bytes.ts";
import { curl } from "../_support/curl.ts";
import { readUntil, writeAll } from "../_support/io.ts";
import { startHeadOrigin, startOrigin } from "../_support/origins.ts";
import { freePort } from "../_support/ports.ts";
import { tempDir } from "../_support/temp.ts";
import { assertServing, startProxy } from "./http_harness.ts";

Deno.test("http proxy forwards a GET from curl in origin-form with Host kept", async () => {
  const origin = startOrigin("A");
  const proxy = startProxy();
  try {
    const r = await curl(["-x", proxy.url, `http://127.0.0.1:${origin.port}/hello?x=1`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "A /hello");
    assert.equal(origin.seen.length, 1);
    assert.equal(origin.seen[0].url, `http://127.0.0.1:${origin.port}/hello?x=1`);
    assert.equal(origin.seen[0].headers.get("host"), `127.0.0.1:${origin.port}`);
  } finally {
    await proxy.close();
    await origin.close();
  }
  assert.equal(proxy.tracked.size, 0, "every upstream socket was untracked");
});

Deno.test("http proxy strips hop-by-hop fields both ways and sends origin-form", async () => {
  const origin = startHeadOrigin(() =>
    "HTTP/1.1 200 OK\r\nConnection: X-Hop\r\nX-Hop: 1\r\nKeep-Alive: timeout=5\r\n" +
    "Upgrade: foo\r\nX-End: 2\r\nContent-Length: 2\r\n\r\nok"
  );
  const proxy = startProxy();
  try {
    const r = await curl([
      "-D",
      "-",
      "-x",
      proxy.url,
      ...["-H", "Connection: X-Secret", "-H", "X-Secret: s", "-H", "Keep-Alive: 300"],
      ...["-H", "TE: trailers", "-H", "Trailer: X-T", "-H", "Upgrade: h2c"],
      ...["-H", "Proxy-Authorization: Basic eDp5", "-H", "X-Custom: kept"],
      `http://127.0.0.1:${origin.port}/path?q=1`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const head = origin.heads[0];
    assert.match(head, /^GET \/path\?q=1 HTTP\/1\.1\r\nHost: 127\.0\.0\.1:\d+\r\n/);
    assert.match(head, /\r\nX-Custom: kept\r\n/);
    assert.match(head, /\r\nUser-Agent: curl\//);
    for (const gone of ["connection", "x-secret", "keep-alive", "te", "trailer", "upgrade"]) {
      assert.doesNotMatch(head, new RegExp(`\r\n${gone}:`, "i"), `${gone} forwarded`);
    }
    assert.doesNotMatch(head, /proxy-/i);
    const [respHead, body] = r.stdout.split("\r\n\r\n");
    assert.equal(body, "ok");
    assert.match(respHead, /\r\nX-End: 2/);
    for (const gone of ["connection", "x-hop", "keep-alive", "upgrade"]) {
      assert.doesNotMatch(respHead, new RegExp(`\r\n${gone}:`, "i"), `${gone} returned`);
    }
  } finally {
    await proxy.close();
    await origin.close();
  }
});

Deno.test("http proxy keeps one client connection across two backends in one curl run", async () => {
  const a = startOrigin("A");
  const b = startOrigin("B");
  const proxy = startProxy();
  try {
    const r = await curl([
      "-x",
      proxy.url,
      "--write-out",
      "|%{num_connects}\n",
      `http://127.0.0.1:${a.port}/one`,
      `http://127.0.0.1:${b.port}/two`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "A /one|1\nB /two|0\n");
    assert.equal(proxy.accepted(), 1);
    assert.equal(a.seen.length, 1);
    assert.equal(b.seen.length, 1);
  } finally {
    await proxy.close();
    await a.close();
    await b.close();
  }
});

Deno.test("http proxy reuses the upstream connection while the host stays the same", async () => {
  const a = startOrigin("A");
  const b = startOrigin("B");
  const proxy = startProxy();
  try {
    const url = (o: { port: number }, p: string) => `http://127.0.0.1:${o.port}${p}`;
    const r = await curl(["-x", proxy.url, url(a, "/1"), url(a, "/2"), url(b, "/3"), url(a, "/4")]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "A /1A /2B /3A /4");
    assert.equal(proxy.accepted(), 1);
    const ports = a.seen.map((s) => s.remotePort);
    assert.equal(ports[0], ports[1], "second request reused the upstream connection");
    assert.notEqual(ports[2], ports[1], "reconnected after the host changed");
  } finally {
    await proxy.close();
    await a.close();
    await b.close();
  }
});

Deno.test("http proxy streams a 3 MiB POST with Content-Length, verified by hash", async () => {
  const dir = await tempDir();
  const origin = startOrigin(
    "A",
    (_req, seen) => new Response(`${seen.bodyLength} ${seen.bodyHash}`),
  );
  const proxy = startProxy();
  try {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    await Deno.writeFile(`${dir.path}/up.bin`, data);
    const r = await curl([
      "-x",
      proxy.url,
      "--data-binary",
      `@${dir.path}/up.bin`,
      `http://127.0.0.1:${origin.port}/upload`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${data.length} ${await sha256(data)}`);
    assert.equal(origin.seen[0].method, "POST");
  } finally {
    await proxy.close();
    await origin.close();
    await dir.cleanup();
  }
});

Deno.test("http proxy streams a 3 MiB chunked POST, verified by hash", async () => {
  const dir = await tempDir();
  const origin = startOrigin(
    "A",
    (_req, seen) => new Response(`${seen.bodyLength} ${seen.bodyHash}`),
  );
  const proxy = startProxy();
  try {
    const data = randomBytes(3 * 1024 * 1024 + 5);
    await Deno.writeFile(`${dir.path}/up.bin`, data);
    const r = await curl([
      "-x",
      proxy.url,
      "-H",
      "Transfer-Encoding: chunked",
      "--data-binary",
      `@${dir.path}/up.bin`,
      `http://127.0.0.1:${origin.port}/upload`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${data.length} ${await sha256(data)}`);
    assert.equal(origin.seen[0].headers.get("transfer-encoding"), "chunked");
  } finally {
    await proxy.close();
    await origin.close();
    await dir.cleanup();
  }
});

Deno.test("http proxy streams 8 MiB chunked and 5 MiB sized downloads to curl intact", async () => {
  const dir = await tempDir();
  const chunked = randomBytes(8 * 1024 * 1024);
  const sized = randomBytes(5 * 1024 * 1024 + 3);
  const origin = startOrigin("A", (req) => {
    if (new URL(req.url).pathname === "/sized") return new Response(sized);
    let off = 0;
    return new Response(
      new ReadableStream({
        pull(c) {
          if (off >= chunked.length) return c.close();
          c.enqueue(chunked.slice(off, off + 100_000));
          off += 100_000;
        },
      }),
    );
  });
  const proxy = startProxy();
  try {
    const r = await curl([
      "-x",
      proxy.url,
      "-o",
      `${dir.path}/chunked.bin`,
      `http://127.0.0.1:${origin.port}/chunked`,
      "-o",
      `${dir.path}/sized.bin`,
      `http://127.0.0.1:${origin.port}/sized`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      await sha256(await Deno.readFile(`${dir.path}/chunked.bin`)),
      await sha256(chunked),
    );
    assert.equal(await sha256(await Deno.readFile(`${dir.path}/sized.bin`)), await sha256(sized));
    assert.equal(proxy.accepted(), 1);
  } finally {
    await proxy.close();
    await origin.close();
    await dir.cleanup();
  }
});

Deno.test("http proxy passes each part of a response on before the origin sends the next", async () => {
  let release!: () => void;
  const released = new Promise<void>((r) => release = r);
  const origin = startOrigin("A", () =>
    new Response(
      new ReadableStream({
        async start(c) {
          c.enqueue(encoder.encode("first-part"));
          await released; // only sent once the client has seen the first part
          c.enqueue(encoder.encode("second-part"));
          c.close();
        },
      }),
    ));
  const proxy = startProxy();
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  try {
    await writeAll(
      conn,
      `GET http://127.0.0.1:${origin.port}/s HTTP/1.1\r\nHost: 127.0.0.1:${origin.port}\r\n\r\n`,
    );
    assert.match(await readUntil(conn, "first-part"), /first-part/);
    release();
    assert.match(await readUntil(conn, "second-part"), /second-part/);
  } finally {
    release();
    conn.close();
    await proxy.close();
    await origin.close();
  }
});

Deno.test("http proxy reaches an IPv6 literal target http://[::1]:PORT/", async () => {
  const origin = startOrigin("V6", undefined, { hostname: "::1" });
  const proxy = startProxy();
  try {
    const r = await curl(["-g", "-x", proxy.url, `http://[::1]:${origin.port}/six`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "V6 /six");
    assert.equal(origin.seen[0].headers.get("host"), `[::1]:${origin.port}`);
  } finally {
    await proxy.close();
    await origin.close();
  }
});

Deno.test("http proxy listening on [::1] serves curl", async () => {
  const origin = startOrigin("A");
  const proxy = startProxy({}, "::1");
  try {
    const r = await curl(["-g", "-x", proxy.url, `http://127.0.0.1:${origin.port}/x`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "A /x");
  } finally {
    await proxy.close();
    await origin.close();
  }
});

Deno.test("http proxy with credentials accepts the right --proxy-user and answers 407 else", async () => {
  const origin = startOrigin("A");
  const proxy = startProxy({ credentials: { username: "u", password: "p:w" } });
  const url = `http://127.0.0.1:${origin.port}/auth`;
  try {
    const good = await curl(["-x", proxy.url, "--proxy-user", "u:p:w", url]);
    assert.equal(good.code, 0, good.stderr);
    assert.equal(good.stdout, "A /auth");
    assert.equal(origin.seen[0].headers.get("proxy-authorization"), null);
    for (const args of [["--proxy-user", "u:wrong"], ["--proxy-user", "x:p:w"], []]) {
      const bad = await curl(["-D", "-", "-o", "/dev/null", "-x", proxy.url, ...args, url]);
      assert.equal(bad.code, 0, bad.stderr);
      assert.match(bad.stdout, /^HTTP\/1\.1 407 Proxy Authentication Required\r\n/);
      assert.match(bad.stdout, /\r\nProxy-Authenticate: Basic realm="wmproxy"\r\n/);
    }
    assert.equal(origin.seen.length, 1, "no unauthenticated request reached the origin");
  } finally {
    await proxy.close();
    await origin.close();
  }
});

Deno.test("http proxy answers 403 when plain HTTP is disabled", async () => {
  const origin = startOrigin("A");
  const proxy = startProxy({ http: false });
  try {
    const r = await curl([
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      "-x",
      proxy.url,
      `http://127.0.0.1:${origin.port}/`,
    ]);
    assert.equal(r.stdout, "403");
    assert.equal(origin.seen.length, 0);
  } finally {
    await proxy.close();
    await origin.close();
  }
});

Deno.test("http proxy answers 403 to clients outside allow or inside deny", async () => {
  const origin = startOrigin("A");
  const allow = CidrSet.parse(["10.0.0.0/8"]) as CidrSet;
  const deny = CidrSet.parse(["127.0.0.0/8"]) as CidrSet;
  for (const options of [{ allow }, { deny }]) {
    const proxy = startProxy(options);
    try {
      const r = await curl([
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "-x",
        proxy.url,
        `http://127.0.0.1:${origin.port}/`,
      ]);
      assert.equal(r.stdout, "403");
    } finally {
      await proxy.close();
    }
  }
  const allowed = startProxy({ allow: CidrSet.parse(["127.0.0.1"]) as CidrSet });
  try {
    await assertServing(allowed, origin);
  } finally {
    await allowed.close();
    await origin.close();
  }
  assert.equal(origin.seen.length, 1);
});

Deno.test("http proxy answers 502 for a dead target port and keeps the client connection", async () => {
  const origin = startOrigin("A");
  const proxy = startProxy();
  try {
    const dead = freePort();
    const r = await curl([
      "-w",
      "|%{http_code}\n",
      "-x",
      proxy.url,
      `http://127.0.0.1:${dead}/`,
      `http://127.0.0.1:${origin.port}/after`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^502 Bad Gateway: connect to 127\.0\.0\.1:\d+ failed: refused\n\|502\n/,
    );
    assert.match(r.stdout, /A \/after\|200\n$/);
    assert.equal(proxy.accepted(), 1);
  } finally {
    await proxy.close();
    await origin.close();
  }
});

Deno.test("http proxy answers 504 when the target does not accept in connectTimeout", async () => {
  // A listener that never accepts: once its backlog is full, further SYNs go unanswered.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  const filling: Deno.Conn[] = [];
  const proxy = startProxy({ connectTimeout: 300 });
  try {
    for (let i = 0;; i++) {
      assert.ok(i < 10_000, "the listen backlog never filled up");
      try {
        filling.push(
          await Deno.connect({ hostname: "127.0.0.1", port, signal: AbortSignal.timeout(200) }),
        );
      } catch (e) {
        // Linux drops SYNs to a full backlog: the connect times out. Anything else means this
        // system cannot stage the test.
        assert.ok(e instanceof DOMException && e.name === "TimeoutError", String(e));
        break;
      }
    }
    const r = await curl(["-w", "|%{http_code}", "-x", proxy.url, `http://127.0.0.1:${port}/`]);
    assert.match(r.stdout, /^504 Gateway Timeout: .*timeout\n\|504$/);
  } finally {
    await proxy.close();
    for (const c of filling) c.close();
    listener.close();
  }
});

Deno.test("http proxy answers 400 to a request that is not a proxy request", async () => {
  const origin = startOrigin("A");
  const proxy = startProxy();
  try {
    const r = await curl(["-w", "|%{http_code}", `http://127.0.0.1:${proxy.port}/x`]);
    assert.match(r.stdout, /^400 Bad Request: not a proxy request.*\|400$/s);
    await assertServing(proxy, origin);
  } finally {
    await proxy.close();
    await origin.close();
  }
});
