import assert from "node:assert/strict";
import { decoder, randomBytes, sha256 } from "../_support/bytes.ts";
import { curl } from "../_support/curl.ts";
import { rawExchange, readToEnd, readUntil, writeAll } from "../_support/io.ts";
import { echo, startOrigin, startServer } from "../_support/origins.ts";
import { makePki } from "../_support/pki.ts";
import { freePort } from "../_support/ports.ts";
import { tempDir } from "../_support/temp.ts";
import { assertServing, startProxy } from "./http_harness.ts";

const ESTABLISHED = "HTTP/1.1 200 Connection Established\r\n\r\n";

Deno.test("CONNECT tunnels curl to an https origin verified with a test CA", async () => {
  const dir = await tempDir();
  const pki = await makePki(dir.path, [["localhost"]]);
  const origin = startOrigin("TLS", undefined, { tls: pki.leaves.localhost });
  const proxy = startProxy();
  try {
    const r = await curl([
      "--cacert",
      pki.caFile,
      "-x",
      proxy.url,
      `https://localhost:${origin.port}/secure`,
      `https://localhost:${origin.port}/again`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "TLS /secureTLS /again");
    assert.equal(origin.seen.length, 2);
  } finally {
    await proxy.close();
    await origin.close();
    await dir.cleanup();
  }
  assert.equal(proxy.tracked.size, 0, "the tunnel's upstream was untracked");
});

Deno.test("CONNECT with curl -p tunnels plain http too", async () => {
  const origin = startOrigin("A");
  const proxy = startProxy({ http: false });
  try {
    const r = await curl(["-p", "-x", proxy.url, `http://127.0.0.1:${origin.port}/tunnelled`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "A /tunnelled");
  } finally {
    await proxy.close();
    await origin.close();
  }
});

Deno.test("CONNECT needs the right --proxy-user when credentials are set", async () => {
  const origin = startOrigin("A");
  const proxy = startProxy({ credentials: { username: "u", password: "p" } });
  const url = `http://127.0.0.1:${origin.port}/auth`;
  try {
    const good = await curl(["-p", "--proxy-user", "u:p", "-x", proxy.url, url]);
    assert.equal(good.code, 0, good.stderr);
    assert.equal(good.stdout, "A /auth");
    for (const args of [["--proxy-user", "u:x"], []]) {
      const bad = await curl(["-p", ...args, "-w", "%{http_connect}", "-x", proxy.url, url]);
      assert.notEqual(bad.code, 0);
      assert.equal(bad.stdout, "407");
    }
    assert.equal(origin.seen.length, 1);
  } finally {
    await proxy.close();
    await origin.close();
  }
});

Deno.test("CONNECT answers 405 when disabled while plain HTTP goes on working", async () => {
  const origin = startOrigin("A");
  const proxy = startProxy({ https: false });
  try {
    const r = await curl([
      "-p",
      "-w",
      "%{http_connect}",
      "-x",
      proxy.url,
      `http://127.0.0.1:${origin.port}/`,
    ]);
    assert.notEqual(r.code, 0);
    assert.equal(r.stdout, "405");
    await assertServing(proxy, origin);
  } finally {
    await proxy.close();
    await origin.close();
  }
});

Deno.test("CONNECT answers 502 for a dead target port", async () => {
  const origin = startOrigin("A");
  const proxy = startProxy();
  try {
    const dead = freePort();
    const r = await curl([
      "-p",
      "-w",
      "%{http_connect}",
      "-x",
      proxy.url,
      `http://127.0.0.1:${dead}/`,
    ]);
    assert.notEqual(r.code, 0);
    assert.equal(r.stdout, "502");
    await assertServing(proxy, origin);
  } finally {
    await proxy.close();
    await origin.close();
  }
});

Deno.test("CONNECT answers 400 to a bad authority", async () => {
  const proxy = startProxy();
  try {
    for (const target of ["127.0.0.1:99999", "bad_host!:80", "[zz::1]:80"]) {
      const answer = await rawExchange(
        proxy.port,
        `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\nConnection: close\r\n\r\n`,
      );
      assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/, target);
    }
  } finally {
    await proxy.close();
  }
});

Deno.test("CONNECT forwards bytes sent right after the head, before the 200", async () => {
  const target = startServer(echo);
  const proxy = startProxy();
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  try {
    await writeAll(
      conn,
      `CONNECT 127.0.0.1:${target.port} HTTP/1.1\r\nHost: 127.0.0.1:${target.port}\r\n\r\nPING`,
    );
    assert.equal(await readUntil(conn, "PING"), `${ESTABLISHED}PING`);
  } finally {
    conn.close();
    await proxy.close();
    await target.close();
  }
});

Deno.test("CONNECT relays 4 MiB each way through an IPv6 target intact", async () => {
  const target = startServer(echo, 0, "::1");
  const proxy = startProxy();
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  try {
    await writeAll(
      conn,
      `CONNECT [::1]:${target.port} HTTP/1.1\r\nHost: [::1]:${target.port}\r\n\r\n`,
    );
    assert.equal(await readUntil(conn, "\r\n\r\n"), ESTABLISHED);
    const data = randomBytes(4 * 1024 * 1024);
    const [, back] = await Promise.all([
      writeAll(conn, data).then(() => conn.closeWrite()),
      readToEnd(conn),
    ]);
    assert.equal(back.length, data.length);
    assert.equal(await sha256(back), await sha256(data));
  } finally {
    conn.close();
    await proxy.close();
    await target.close();
  }
  assert.equal(proxy.tracked.size, 0);
});

Deno.test("CONNECT closes a tunnel idle for idleTimeout", async () => {
  const target = startServer(echo);
  const proxy = startProxy({ idleTimeout: 300 });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  try {
    await writeAll(conn, `CONNECT 127.0.0.1:${target.port} HTTP/1.1\r\nHost: x\r\n\r\nhi`);
    assert.equal(await readUntil(conn, "hi"), `${ESTABLISHED}hi`);
    const started = performance.now();
    assert.equal(decoder.decode(await readToEnd(conn)), "");
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 250 && elapsed < 5000, `closed after ${elapsed} ms`);
  } finally {
    conn.close();
    await proxy.close();
    await target.close();
  }
});

Deno.test("CONNECT after a plain request on the same connection replaces its upstream", async () => {
  const origin = startOrigin("A");
  const target = startServer(echo);
  const proxy = startProxy();
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  try {
    const host = `127.0.0.1:${origin.port}`;
    await writeAll(conn, `GET http://${host}/first HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    assert.match(await readUntil(conn, "A /first"), /A \/first$/);
    await writeAll(
      conn,
      `CONNECT 127.0.0.1:${target.port} HTTP/1.1\r\nHost: x\r\n\r\n${"tunnel"}`,
    );
    assert.equal(await readUntil(conn, "tunnel"), `${ESTABLISHED}tunnel`);
    await conn.closeWrite();
    assert.equal(decoder.decode(await readToEnd(conn)), "");
    await proxy.settled();
  } finally {
    conn.close();
    await proxy.close();
    await target.close();
    await origin.close();
  }
  assert.equal(proxy.tracked.size, 0);
});
