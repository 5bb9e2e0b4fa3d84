import assert from "node:assert/strict";
import { parseSocks5LoadReport, runSocks5Load } from "../lib/socks5_load.ts";
import { startFakeHttpProxy, startFakeSocks5 } from "./_fake_proxies.ts";

const REPORT = {
  seconds: 2,
  completed: 10_000,
  completed_total: 12_000,
  failed: 1,
  non_200: 0,
  timeouts: 0,
  bytes: 4_000_000,
  bytes_total: 5_000_000,
  p50_ms: 4.5,
  p99_ms: 12.25,
  cpu_user: 0.5,
  cpu_system: 1.5,
  wall: 3,
  first_error: "[Errno 104] Connection reset by peer",
};

Deno.test("parseSocks5LoadReport() derives rates from the counted window", () => {
  const result = parseSocks5LoadReport(`${JSON.stringify(REPORT)}\n`);
  assert.equal(result.perSecond, 5_000);
  assert.equal(result.megabytesPerSecond, 2);
  assert.equal(result.completedTotal, 12_000);
  assert.equal(result.bytesTotal, 5_000_000);
  assert.equal(result.p99Ms, 12.25);
  assert.equal(result.cpuSystemSeconds, 1.5);
  assert.equal(result.firstError, "[Errno 104] Connection reset by peer");
});

Deno.test("parseSocks5LoadReport() reads null percentiles as NaN and null errors as null", () => {
  const result = parseSocks5LoadReport(
    JSON.stringify({ ...REPORT, completed: 0, p50_ms: null, p99_ms: null, first_error: null }),
  );
  assert.ok(Number.isNaN(result.p99Ms));
  assert.equal(result.firstError, null);
});

Deno.test("parseSocks5LoadReport() names a missing field and rejects text that is not JSON", () => {
  const { timeouts: _, ...partial } = REPORT;
  assert.throws(() => parseSocks5LoadReport(JSON.stringify(partial)), /no number "timeouts"/);
  assert.throws(() => parseSocks5LoadReport("Traceback (most recent call last):"), /no JSON/);
});

function hasPython(): boolean {
  try {
    return new Deno.Command("python3", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

const SHORT = { workers: 2, warmupSeconds: 0.1, durationSeconds: 0.3 };

Deno.test({
  name: "runSocks5Load() completes iterations through a SOCKS5 proxy and directly",
  ignore: !hasPython(),
  async fn() {
    const socks = startFakeSocks5();
    const http = startFakeHttpProxy("200 OK");
    try {
      const through = await runSocks5Load(socks.port, { ...SHORT, targetPort: 80 });
      assert.ok(through.completed > 0);
      assert.equal(through.failed + through.non200 + through.timeouts, 0);
      assert.ok(through.p99Ms > 0);
      const direct = await runSocks5Load(http.port, SHORT);
      assert.ok(direct.completed > 0);
      assert.equal(direct.failed, 0);
    } finally {
      await socks.close();
      await http.close();
    }
  },
});

Deno.test({
  name: "runSocks5Load() fails with the first error when no iteration completes",
  ignore: !hasPython(),
  async fn() {
    const socks = startFakeSocks5({ replyCode: 5 });
    try {
      await assert.rejects(
        () => runSocks5Load(socks.port, { ...SHORT, targetPort: 80 }),
        /no iteration completed .*reply code 5/,
      );
    } finally {
      await socks.close();
    }
  },
});

Deno.test({
  name: "runSocks5Load() counts answers other than 200 apart from failures",
  ignore: !hasPython(),
  async fn() {
    const http = startFakeHttpProxy("503 Service Unavailable");
    try {
      await assert.rejects(() => runSocks5Load(http.port, SHORT), /answer 'HTTP\/1.1 503'/);
    } finally {
      await http.close();
    }
  },
});
