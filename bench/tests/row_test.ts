import assert from "node:assert/strict";
import { buildRow } from "../lib/row.ts";

const base = { work: "w", unit: "u", peerName: "peer", value: (n: number) => n };

Deno.test("buildRow() takes the best sample and divides ours by peer when higher is better", () => {
  const row = buildRow({
    ...base,
    better: "higher",
    peer: [{ ok: true, value: 100 }, { ok: true, value: 80 }],
    ours: [{ ok: true, value: 40 }, { ok: true, value: 50 }],
  });
  assert.equal(row.peerValue, 100);
  assert.equal(row.ours, 50);
  assert.equal(row.ratio, 0.5);
});

Deno.test("buildRow() divides peer by ours when lower is better", () => {
  const row = buildRow({
    ...base,
    better: "lower",
    peer: [{ ok: true, value: 2 }],
    ours: [{ ok: true, value: 4 }, { ok: true, value: 8 }],
  });
  assert.equal(row.ratio, 0.5);
});

Deno.test("buildRow() leaves a failed side null and notes each distinct error once", () => {
  const row = buildRow({
    ...base,
    better: "higher",
    peer: [{ ok: true, value: 1 }],
    ours: [{ ok: false, error: "boom" }, { ok: false, error: "boom" }],
  });
  assert.equal(row.ours, null);
  assert.equal(row.ratio, null);
  assert.deepEqual(row.notes, ["ours: boom"]);
});

Deno.test("buildRow() notes a side whose samples differ by more than 20%", () => {
  const row = buildRow({
    ...base,
    better: "higher",
    peer: [{ ok: true, value: 100 }, { ok: true, value: 150 }],
    ours: [{ ok: true, value: 100 }, { ok: true, value: 110 }],
  });
  assert.deepEqual(row.notes, ["peer: samples differ by 50% (100, 150)"]);
});

Deno.test("buildRow() calls a tie 1× even at zero", () => {
  const row = buildRow({
    ...base,
    better: "lower",
    peer: [{ ok: true, value: 0 }],
    ours: [{ ok: true, value: 0 }],
  });
  assert.equal(row.ratio, 1);
});
