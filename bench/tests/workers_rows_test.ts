import assert from "node:assert/strict";
import { freePorts } from "../lib/ports.ts";
import { stopProcess } from "../lib/process.ts";
import {
  busiestShare,
  formatSpread,
  ONE_WORKER,
  spreadRow,
  sumPerWorker,
  withWorkerSpread,
  workersRows,
} from "../lib/workers_rows.ts";
import type { WrkResult } from "../lib/wrk.ts";
import { runFlags, startWmproxyStream } from "../servers/wmproxy.ts";
import { parseWorkerAccepted, readWorkerAccepted } from "../servers/wmproxy_status.ts";

function wrk(rps: number, p99: number): WrkResult {
  return {
    rps,
    requests: rps * 10,
    latencyMs: { 99: p99 },
    socketErrors: 0,
    socketErrorsByKind: { connect: 0, read: 0, write: 0, timeout: 0 },
    non2xx: 0,
  };
}

Deno.test("runFlags() adds --workers and the control address, or disables control", () => {
  assert.deepEqual(runFlags({}), ["--disable-control"]);
  assert.deepEqual(runFlags({ workers: 2, controlPort: 9000 }), [
    "--workers",
    "2",
    "--control",
    "127.0.0.1:9000",
  ]);
});

Deno.test("parseWorkerAccepted() orders by worker id and refuses a body without workers", () => {
  const body = {
    workers: [{ id: 1, accepted: 7, open: 0 }, { id: 0, accepted: 5, open: 1 }],
  };
  assert.deepEqual(parseWorkerAccepted(body), [5, 7]);
  assert.throws(() => parseWorkerAccepted({ listeners: [] }), /no workers/);
  assert.throws(() => parseWorkerAccepted({ workers: [{ id: 0 }] }), /without id or accepted/);
});

Deno.test("sumPerWorker() adds the runs' counts; busiestShare() and formatSpread() read them", () => {
  const total = sumPerWorker([
    { ok: true, value: { acceptedPerWorker: [30, 20] } },
    { ok: false, error: "boom" },
    { ok: true, value: { acceptedPerWorker: [22, 28] } },
  ]);
  assert.deepEqual(total, { ok: true, value: [52, 48] });
  assert.equal(busiestShare([52, 48]), 52);
  assert.ok(Number.isNaN(busiestShare([0, 0])));
  assert.equal(formatSpread([52, 48]), "(per worker 52/48 % of 100)");
  assert.deepEqual(sumPerWorker([{ ok: false, error: "boom" }]), { ok: false, error: "boom" });
});

Deno.test("spreadRow() compares the busiest worker with an even spread", () => {
  const row = spreadRow("wrk", [{ ok: true, value: { acceptedPerWorker: [60, 40] } }], "(lower)");
  assert.equal(
    row.work,
    "wrk, busiest worker's share of accepted connections % " +
      "(per worker 60/40 % of 100) (lower)",
  );
  assert.equal(row.peer, "even spread (100 % / 2)");
  assert.equal(row.peerValue, 50);
  assert.equal(row.ours, 60);
  assert.equal(row.ratio, 50 / 60);
});

Deno.test("workersRows() puts workers = 2 in the ours column, workers = 1 as the peer", () => {
  const rows = workersRows({
    work: "wrk -c50",
    cpuOf: "forwarder",
    lowerIsBetter: "(lower)",
    one: [{ ok: true, value: { result: wrk(1000, 4), cpuSeconds: 0.5, wallSeconds: 10 } }],
    two: [{
      ok: true,
      value: {
        result: wrk(1100, 5),
        cpuSeconds: 0.55,
        wallSeconds: 10,
        acceptedPerWorker: [25, 25],
      },
    }],
  });
  assert.deepEqual(rows.map((r) => r.peer), [
    ONE_WORKER,
    ONE_WORKER,
    ONE_WORKER,
    "even spread (100 % / 2)",
  ]);
  assert.deepEqual(rows.map((r) => r.ours), [1100, 5, 50, 50]);
  assert.deepEqual(rows.map((r) => r.peerValue), [1000, 4, 50, 50]);
  assert.match(rows[2].work, /workers = 2 vs 1, forwarder CPU µs per request \(all threads\)/);
});

Deno.test("ours with workers = 2: /status counts the connections of a run per worker", async () => {
  const [echoPort, listenPort, controlPort] = freePorts(3);
  const echo = Deno.listen({ hostname: "127.0.0.1", port: echoPort });
  const serving = (async () => {
    for await (const conn of echo) conn.readable.pipeTo(conn.writable).catch(() => {});
  })();
  const dir = await Deno.makeTempDir();
  const ours = await startWmproxyStream(
    dir,
    [{ name: "echo", listenPort, upstreamPort: echoPort }],
    { workers: 2, controlPort },
  );
  try {
    const sample = await withWorkerSpread(() => readWorkerAccepted(controlPort), async () => {
      for (let i = 0; i < 40; i++) {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port: listenPort });
        await conn.write(new Uint8Array([1]));
        await conn.read(new Uint8Array(1));
        conn.close();
      }
      return { done: true };
    });
    assert.equal(sample.acceptedPerWorker?.length, 2);
    assert.equal(sample.acceptedPerWorker.reduce((a, b) => a + b, 0), 40);
  } finally {
    await stopProcess(ours);
    echo.close();
    await serving.catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});
