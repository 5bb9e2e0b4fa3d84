import assert from "node:assert/strict";
import { captureLogs, messageOf } from "../_support/logs.ts";
import type { LogRecord } from "@logtape/logtape";
import { curl } from "../_support/curl.ts";
import { rawExchange } from "../_support/io.ts";
import { startOrigin } from "../_support/origins.ts";
import { freePort } from "../_support/ports.ts";
import { startProxy } from "./http_harness.ts";

/** Captures the proxy's log records for the duration of `body`. */
async function withLogs(body: (records: LogRecord[]) => Promise<void>): Promise<void> {
  const logs = await captureLogs();
  try {
    await body(logs.records);
  } finally {
    await logs.stop();
  }
}

const text = messageOf;
const hasStack = (r: LogRecord) =>
  Object.values(r.properties).some((v) => v instanceof Error) || /\n\s+at /.test(text(r));

Deno.test("http proxy logs one debug line per request and no warning when all goes well", async () => {
  await withLogs(async (records) => {
    const origin = startOrigin("A");
    const proxy = startProxy();
    try {
      const r = await curl(["-x", proxy.url, `http://127.0.0.1:${origin.port}/ok`]);
      assert.equal(r.code, 0, r.stderr);
      await proxy.settled();
    } finally {
      await proxy.close();
      await origin.close();
    }
    const lines = records.map(text);
    assert.equal(records.filter((r) => r.level !== "debug").length, 0, lines.join("\n"));
    const done = lines.filter((l) => / GET http:\/\/127\.0\.0\.1:\d+\/ok → 200$/.test(l));
    assert.equal(done.length, 1, lines.join("\n"));
    assert.match(done[0], /^conn 1 127\.0\.0\.1:\d+ GET /);
  });
});

Deno.test("http proxy logs one warning without a stack for an upstream failure and a bad head", async () => {
  await withLogs(async (records) => {
    const proxy = startProxy();
    try {
      const dead = freePort();
      await curl(["-x", proxy.url, `http://127.0.0.1:${dead}/`]);
      await proxy.settled();
      const afterFirst = records.filter((r) => r.level === "warning");
      assert.equal(afterFirst.length, 1, records.map(text).join("\n"));
      assert.match(text(afterFirst[0]), /connect to 127\.0\.0\.1:\d+ failed: refused$/);
      await rawExchange(proxy.port, "GET http://h/ HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n");
      await proxy.settled();
    } finally {
      await proxy.close();
    }
    const warnings = records.filter((r) => r.level === "warning");
    assert.equal(warnings.length, 2, records.map(text).join("\n"));
    assert.match(text(warnings[1]), /400 obsolete line folding/);
    assert.ok(!records.some(hasStack), "no stack trace logged");
    assert.ok(!records.some((r) => r.level === "error"));
  });
});
