import assert from "node:assert/strict";
import { decoder } from "../_support/bytes.ts";
import { tempDir } from "../_support/temp.ts";
import { ConnTracker } from "../../lib/net/conn_tracker.ts";
import { openClients, takeClientPeak } from "../../lib/net/conn_gauge.ts";
import { DropWatch, releaseMemory } from "../../lib/server/memory_release.ts";

const MODULE = new URL("../../lib/server/memory_release.ts", import.meta.url).href;
const CONFIG = new URL("../../deno.json", import.meta.url).pathname;

Deno.test("DropWatch fires once the count has fallen by minDrop and by half, on two samples", () => {
  const w = new DropWatch(100);
  assert.equal(w.sample(0), false);
  assert.equal(w.sample(300), false);
  assert.equal(w.sample(140), false, "first sample down");
  assert.equal(w.sample(120), true, "stayed down");
  assert.equal(w.sample(120), false, "the mark is reset to the count at the release");
  assert.equal(w.sample(0), false, "a drop of 120 from the new mark: first sample down");
  assert.equal(w.sample(0), true);
});

Deno.test("DropWatch does not fire on small drops, drops to more than half, or a bounce", () => {
  const small = new DropWatch(100);
  for (const n of [150, 60, 60, 60]) assert.equal(small.sample(n), false, "a drop of 90");
  const half = new DropWatch(100);
  for (const n of [1000, 600, 600, 600]) assert.equal(half.sample(n), false, "still 60 %");
  const bounce = new DropWatch(100);
  for (const n of [1000, 100, 900, 100]) assert.equal(bounce.sample(n), false, "not down twice");
});

Deno.test("DropWatch counts a burst that came and went between two samples by its peak", () => {
  const w = new DropWatch(100);
  assert.equal(w.sample(0, 2000), false);
  assert.equal(w.sample(0, 0), true);
});

Deno.test("ConnTracker reports client connections to the process gauge; upstream sockets not", () => {
  const t = new ConnTracker();
  const base = openClients();
  takeClientPeak();
  const conns = Array.from({ length: 3 }, () => ({ close() {} }));
  for (const c of conns) t.add(c);
  t.add(conns[0]); // twice: still one connection
  const upstream = { close() {} };
  t.add(upstream, false);
  assert.equal(openClients(), base + 3);
  for (const c of conns) t.delete(c);
  t.delete(conns[0]);
  t.delete(upstream);
  assert.equal(openClients(), base);
  assert.equal(takeClientPeak(), base + 3, "the peak since the last call");
  assert.equal(takeClientPeak(), base, "reset to the count then");
});

Deno.test({
  name: "releaseMemory() runs a full GC and malloc_trim with every permission",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const report = await releaseMemory();
    assert.equal(report.gc, true);
    assert.equal(report.trimmed, true);
    assert.ok(report.rssAfter > 0);
  },
});

Deno.test({
  name: "releaseMemory() without the ffi permission skips malloc_trim, without prompting",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const dir = await tempDir();
    try {
      const script = `${dir.path}/release.ts`;
      await Deno.writeTextFile(
        script,
        `import { releaseMemory } from ${JSON.stringify(MODULE)};\n` +
          "const r = await releaseMemory();\nconsole.log(JSON.stringify([r.gc, r.trimmed]));\n",
      );
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--no-prompt", "--config", CONFIG, "--allow-read", "--allow-env", script],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(out.code, 0, decoder.decode(out.stderr));
      assert.equal(decoder.decode(out.stdout).trim(), "[true,false]");
    } finally {
      await dir.cleanup();
    }
  },
});
