import assert from "node:assert/strict";
import { readSettings } from "../lib/settings.ts";

Deno.test("readSettings() accepts BENCH_DURATION with or without an s suffix", () => {
  Deno.env.set("BENCH_DURATION", "5s");
  Deno.env.set("BENCH_ROUNDS", "3");
  try {
    assert.deepEqual(readSettings(), { durationSeconds: 5, rounds: 3 });
  } finally {
    Deno.env.delete("BENCH_DURATION");
    Deno.env.delete("BENCH_ROUNDS");
  }
});

Deno.test("readSettings() rejects a duration that is not a positive whole number", () => {
  Deno.env.set("BENCH_DURATION", "0");
  try {
    assert.throws(() => readSettings(), /BENCH_DURATION: "0"/);
  } finally {
    Deno.env.delete("BENCH_DURATION");
  }
});
