import assert from "node:assert/strict";
import { memoryOf, parseStatusField, readMemory } from "../lib/memory.ts";

Deno.test("parseStatusField() reads a kB field in MiB", () => {
  assert.equal(parseStatusField("Name:\tx\nVmHWM:\t    2048 kB\n", "VmHWM", 1), 2);
  assert.throws(() => parseStatusField("Name:\tx\n", "VmRSS", 7), /\/proc\/7\/status has no VmRSS/);
});

Deno.test("readMemory() with children adds up the process tree and counts it", async () => {
  const child = new Deno.Command("sleep", { args: ["5"] }).spawn();
  try {
    const own = await readMemory(Deno.pid);
    const tree = await readMemory(Deno.pid, { includeChildren: true });
    assert.equal(own.processes, undefined);
    assert.ok((tree.processes ?? 0) >= 2);
    assert.ok(tree.rssMiB > own.rssMiB);
  } finally {
    child.kill();
    await child.status;
  }
});

Deno.test("memoryOf() passes on why a process has no memory to read", async () => {
  const result = await memoryOf({ ok: false, error: "squid is not installed" });
  assert.deepEqual(result, { ok: false, error: "squid is not installed" });
});
