import assert from "node:assert/strict";
import { parseCpuSeconds } from "../lib/cpu.ts";

Deno.test("parseCpuSeconds() adds utime and stime even when the name holds spaces", () => {
  const stat = "42 (my (odd) name) S 1 42 42 0 -1 4194304 125 0 0 0 250 50 0 0 20 0 3 0 47942";
  assert.equal(parseCpuSeconds(stat), 3);
});

Deno.test("parseCpuSeconds() adds cutime and cstime of reaped children on request", () => {
  const stat = "42 (socat) S 1 42 42 0 -1 4194304 125 0 0 0 250 50 100 200 20 0 3 0 47942";
  assert.equal(parseCpuSeconds(stat, { includeReapedChildren: true }), 6);
});
