import assert from "node:assert/strict";
import { renderTable } from "../lib/table.ts";
import type { Row } from "../lib/types.ts";

function row(work: string, ours: number | null, notes: string[]): Row {
  return {
    work,
    peer: "haproxy",
    peerValue: 1234.5,
    ours,
    ratio: ours === null ? null : ours / 1234.5,
    better: "higher",
    unit: "req/s",
    samples: { peer: [1234.5], ours: ours === null ? [] : [ours] },
    notes,
  };
}

Deno.test("renderTable() prints n/a for a missing side and numbers shared notes once", () => {
  const text = renderTable([row("a", null, ["ours: down"]), row("b", 617.25, ["ours: down"])]);
  assert.equal(
    text,
    [
      "| work | peer | peer value | ours | ratio |",
      "| --- | --- | --- | --- | --- |",
      "| a [1] | haproxy | 1235 | n/a | n/a |",
      "| b [1] | haproxy | 1235 | 617 | 0.50× |",
      "",
      "[1] ours: down",
      "",
    ].join("\n"),
  );
});
