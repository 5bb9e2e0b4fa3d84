import assert from "node:assert/strict";
import { warning as wrkWarning } from "../cases/http_proxy/wrk_rows.ts";
import { generatorNote, warning as loadWarning } from "../cases/socks5/load_rows.ts";
import type { Socks5LoadResult } from "../lib/socks5_load.ts";
import type { WrkResult } from "../lib/wrk.ts";

function wrk(result: Partial<WrkResult>): { result: WrkResult; cpuSeconds: null; wallSeconds: 1 } {
  return {
    result: {
      rps: 1000,
      requests: 1000,
      latencyMs: {},
      socketErrors: 0,
      socketErrorsByKind: { connect: 0, read: 0, write: 0, timeout: 0 },
      non2xx: 0,
      ...result,
    },
    cpuSeconds: null,
    wallSeconds: 1,
  };
}

Deno.test("http-proxy warning() is silent on a clean wrk run", () => {
  assert.equal(wrkWarning(wrk({})), undefined);
});

Deno.test("http-proxy warning() explains a read error per request as no keep-alive", () => {
  const kinds = { connect: 0, read: 998, write: 0, timeout: 0 };
  assert.match(
    wrkWarning(wrk({ socketErrors: 998, socketErrorsByKind: kinds })) ?? "",
    /no client keep-alive/,
  );
});

Deno.test("http-proxy warning() lists other errors and non-2xx answers", () => {
  const kinds = { connect: 2, read: 3, write: 0, timeout: 1 };
  assert.equal(
    wrkWarning(wrk({ socketErrors: 6, socketErrorsByKind: kinds, non2xx: 4 })),
    "wrk saw socket errors (connect 2, read 3, write 0, timeout 1) and 4 non-2xx answers in a run",
  );
});

function load(result: Partial<Socks5LoadResult>) {
  return {
    ok: true as const,
    value: {
      result: {
        perSecond: 1000,
        completed: 1000,
        completedTotal: 1200,
        failed: 0,
        non200: 0,
        timeouts: 0,
        bytes: 0,
        bytesTotal: 0,
        megabytesPerSecond: 0,
        p50Ms: 1,
        p99Ms: 2,
        cpuUserSeconds: 0.1,
        cpuSystemSeconds: 0.4,
        wallSeconds: 1,
        firstError: null,
        ...result,
      },
      cpuSeconds: 1,
      wallSeconds: 1,
    },
  };
}

Deno.test("socks5 warning() counts failures, other answers and timeouts with the first error", () => {
  assert.equal(loadWarning(load({}).value), undefined);
  assert.equal(
    loadWarning(load({ failed: 3, timeouts: 1, firstError: "EOF before a response" }).value),
    "3 failed, 0 non-200 and 1 timed-out iterations in a run (first: EOF before a response)",
  );
});

Deno.test("generatorNote() reports the best run's core share and flags a saturated one", () => {
  const calm = generatorNote([["dante", [load({ perSecond: 10 }), load({ perSecond: 20 })]]]);
  assert.equal(calm, "load generator in the best runs: dante 50% of a core (80% of it kernel)");
  const busy = generatorNote([
    ["nginx direct", [load({ cpuUserSeconds: 0.2, cpuSystemSeconds: 0.75 })]],
    ["ours", [{ ok: false, error: "wmproxy did not start" }]],
  ]);
  assert.match(busy ?? "", /nginx direct 95% of a core .*may have set the pace$/);
  assert.equal(generatorNote([["ours", [{ ok: false, error: "x" }]]]), undefined);
});
