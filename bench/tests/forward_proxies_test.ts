import assert from "node:assert/strict";
import { danteConfig, danteProblems } from "../servers/dante.ts";
import { microsocksArgv } from "../servers/microsocks.ts";
import { BULK_PATH, nginxConfig } from "../servers/nginx.ts";
import { squidConfig } from "../servers/squid.ts";
import { tinyproxyConfig } from "../servers/tinyproxy.ts";
import { wmproxyForwardConfig } from "../servers/wmproxy.ts";

Deno.test("wmproxyForwardConfig() offers HTTP, CONNECT and SOCKS5 on one port", () => {
  assert.equal(
    wmproxyForwardConfig(4000),
    `[proxy]\nbind_addr = "127.0.0.1:4000"\nflag = "http https socks5"\n`,
  );
});

Deno.test("squidConfig() keeps connections alive, caches and logs nothing, stays in its dir", () => {
  const text = squidConfig("/tmp/x", { listenPort: 4000, effectiveUser: "proxy" });
  const lines = text.split("\n");
  for (
    const line of [
      "http_port 127.0.0.1:4000",
      "workers 1",
      "cache_effective_user proxy",
      "http_access allow bench_clients",
      "cache deny all",
      "access_log none",
      "cache_log /tmp/x/cache.log",
      "pid_filename /tmp/x/squid.pid",
      "pinger_enable off",
      "client_persistent_connections on",
      "server_persistent_connections on",
    ]
  ) assert.ok(lines.includes(line), `missing "${line}"`);
  // Loopback clients are allowed before everyone else is denied.
  assert.ok(text.indexOf("allow bench_clients") < text.indexOf("deny all"));
});

Deno.test("squidConfig() names no user to switch to when not started as root", () => {
  assert.ok(!squidConfig("/tmp/x", { listenPort: 4000 }).includes("cache_effective_user"));
});

Deno.test("tinyproxyConfig() listens on loopback, allows it, logs only critical messages", () => {
  const lines = tinyproxyConfig(4000).split("\n");
  for (const line of ["Port 4000", "Listen 127.0.0.1", "Allow 127.0.0.1", "LogLevel Critical"]) {
    assert.ok(lines.includes(line), `missing "${line}"`);
  }
  assert.ok(lines.some((line) => /^MaxClients \d{3,}$/.test(line)));
});

Deno.test("danteConfig() passes loopback CONNECTs without authentication", () => {
  const text = danteConfig({ listenPort: 4000, asRoot: true });
  assert.match(text, /^internal: 127\.0\.0\.1 port = 4000$/m);
  assert.match(text, /^external: 127\.0\.0\.1$/m);
  assert.match(text, /^clientmethod: none$/m);
  assert.match(text, /^socksmethod: none$/m);
  assert.match(text, /^user\.unprivileged: nobody$/m);
  assert.match(text, /socks pass \{\n {2}from: 127\.0\.0\.0\/8 to: 127\.0\.0\.0\/8/);
  assert.ok(!danteConfig({ listenPort: 4000 }).includes("user."));
});

Deno.test("danteProblems() picks warning and error lines out of dante's log", () => {
  const output = "; last output: Nov 21 13:43:21 (1795268601.1) danted[11349]: info: Dante/server" +
    "[1/1] v1.4.2 running | Nov 21 13:43:22 (1795268602.2) danted[11349]: warning: " +
    "checkconfig(): no socks rule | x danted[12]: error: bind failed";
  assert.deepEqual(danteProblems(output), [
    "Nov 21 13:43:22 (1795268602.2) danted[11349]: warning: checkconfig(): no socks rule",
    "x danted[12]: error: bind failed",
  ]);
});

Deno.test("microsocksArgv() binds loopback", () => {
  assert.deepEqual(microsocksArgv(4000), ["microsocks", "-i", "127.0.0.1", "-p", "4000"]);
});

Deno.test("nginxConfig() serves the bulk file only when asked", () => {
  assert.ok(!nginxConfig("/tmp/x", 4000).includes(BULK_PATH));
  const text = nginxConfig("/tmp/x", 4000, { bulkBytes: 1 });
  assert.match(text, /location = \/bulk \{\n\s+alias \/tmp\/x\/bulk;/);
});
