import assert from "node:assert/strict";
import { FileCache } from "../../lib/static/file_cache.ts";
import { StaticFiles } from "../../lib/static/files.ts";

const decoder = new TextDecoder();

async function body(files: StaticFiles, path: string): Promise<string> {
  const reply = await files.reply({ method: "GET", path, header: () => null });
  const b = reply.body;
  assert.ok(b !== null && b.kind === "bytes", `expected bytes, got ${JSON.stringify(b)}`);
  return decoder.decode(b.bytes);
}

Deno.test("StaticFiles serves small files from its cache until the revalidation period ends", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${root}/a.txt`, "one");
    const trusting = new StaticFiles({ root, cache: { validMs: 3_600_000 } });
    const checking = new StaticFiles({ root, cache: { validMs: 0 } });
    assert.equal(await body(trusting, "/a.txt"), "one");
    assert.equal(await body(checking, "/a.txt"), "one");
    await Deno.writeTextFile(`${root}/a.txt`, "two, longer");
    // Within its period the cached copy is served (no stat); a 0 ms period re-checks each time.
    assert.equal(await body(trusting, "/a.txt"), "one");
    assert.equal(await body(checking, "/a.txt"), "two, longer");
    await Deno.remove(`${root}/a.txt`);
    const gone = await checking.reply({ method: "GET", path: "/a.txt", header: () => null });
    assert.equal(gone.status, 404);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("FileCache keeps at most its entry and byte bounds and streams files over maxFileSize", async () => {
  const root = await Deno.makeTempDir();
  try {
    for (let i = 0; i < 10; i++) await Deno.writeFile(`${root}/f${i}`, new Uint8Array(1000));
    await Deno.writeFile(`${root}/big`, new Uint8Array(5000));
    const cache = new FileCache({ entries: 4, maxFileSize: 4096, maxBytes: 2500, validMs: 60_000 });
    for (let i = 0; i < 10; i++) {
      const e = await cache.get(`${root}/f${i}`, root);
      assert.equal(e.kind, "file");
      const { entries, bytes } = cache.stats();
      assert.ok(entries <= 4 && bytes <= 2500, `entries ${entries}, bytes ${bytes}`);
    }
    const big = await cache.get(`${root}/big`, root);
    assert.ok(big.kind === "file" && big.bytes === null && big.size === 5000);
    const off = new FileCache({ entries: 0, maxFileSize: 4096, maxBytes: 2500, validMs: 60_000 });
    const e = await off.get(`${root}/f0`, root);
    assert.ok(e.kind === "file" && e.bytes === null, "no cache: nothing kept in memory");
    assert.deepEqual(off.stats(), { entries: 0, bytes: 0 });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("FileCache shares one check between concurrent lookups of a path", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${root}/a`, "a");
    const cache = new FileCache({ entries: 8, maxFileSize: 4096, maxBytes: 8192, validMs: 0 });
    const [x, y] = await Promise.all([cache.get(`${root}/a`, root), cache.get(`${root}/a`, root)]);
    assert.equal(x, y);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
