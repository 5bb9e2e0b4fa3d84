import assert from "node:assert/strict";
import { idleRows } from "../cases/idle/rows.ts";
import {
  completeAnswerLength,
  DEFAULT_IDLE_CONNECTIONS,
  kibPerConnection,
  parseIdleCount,
} from "../lib/idle_clients.ts";
import { parseStubStatusActive } from "../servers/nginx.ts";
import { nginxStreamTcpConfig } from "../servers/nginx_stream_tcp.ts";

Deno.test("completeAnswerLength waits for the head and the Content-Length body", () => {
  const head = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n";
  assert.equal(completeAnswerLength("HTTP/1.1 200 OK\r\nContent-Le"), null);
  assert.equal(completeAnswerLength(head), null);
  assert.equal(completeAnswerLength(head + "ok"), null);
  assert.equal(completeAnswerLength(head + "ok\n"), head.length + 3);
  assert.equal(completeAnswerLength(head + "ok\nHTTP"), head.length + 3);
});

Deno.test("completeAnswerLength takes a CONNECT 200 without a body as complete", () => {
  const head = "HTTP/1.1 200 Connection established\r\n\r\n";
  assert.equal(completeAnswerLength(head), head.length);
});

Deno.test("kibPerConnection divides the RSS increase by the connections", () => {
  assert.equal(kibPerConnection(10, 12, 2048), 1);
  assert.ok(Number.isNaN(kibPerConnection(10, 12, 0)));
});

Deno.test("parseIdleCount defaults to 2000 and refuses what exceeds the fd budget", () => {
  assert.equal(parseIdleCount(undefined), DEFAULT_IDLE_CONNECTIONS);
  assert.equal(parseIdleCount(" "), DEFAULT_IDLE_CONNECTIONS);
  assert.equal(parseIdleCount("500"), 500);
  for (const bad of ["0", "-1", "1.5", "abc", "3001"]) {
    assert.throws(() => parseIdleCount(bad), /BENCH_IDLE_CONNECTIONS/);
  }
});

Deno.test("parseStubStatusActive reads the Active connections line", () => {
  const page = "Active connections: 2001 \nserver accepts handled requests\n 5 5 9 \n" +
    "Reading: 0 Writing: 1 Waiting: 2000 \n";
  assert.equal(parseStubStatusActive(page), 2001);
  assert.throws(() => parseStubStatusActive("nothing"), /no stub_status/);
});

Deno.test("nginxStreamTcpConfig forwards TCP, loading the module when dynamic", () => {
  const route = { name: "idle", listenPort: 1001, upstreamPort: 1002 };
  const text = nginxStreamTcpConfig("/tmp/x", route, "/m/ngx_stream_module.so");
  assert.match(text, /^load_module \/m\/ngx_stream_module\.so;/);
  assert.match(text, /listen 127\.0\.0\.1:1001;/);
  assert.match(text, /proxy_pass 127\.0\.0\.1:1002;/);
  assert.doesNotMatch(nginxStreamTcpConfig("/tmp/x", route, null), /load_module/);
});

Deno.test("idleRows reports KiB per connection and what stays after close", () => {
  const sample = (beforeMiB: number, openMiB: number, closedMiB: number, settledMiB: number) => ({
    ok: true as const,
    value: { count: 1024, beforeMiB, openMiB, closedMiB, settledMiB },
  });
  const rows = idleRows({
    kind: "k",
    peerName: "p",
    peer: sample(10, 12, 11, 10),
    ours: sample(50, 58, 56, 52),
  });
  assert.deepEqual(rows.map((r) => [r.peerValue, r.ours]), [[2, 8], [1, 6], [0, 2]]);
  assert.match(rows[0].work, /N=1024/);
  assert.equal(rows[0].ratio, 0.25);
});
