import assert from "node:assert/strict";
import { decoder } from "../_support/bytes.ts";
import { FileCache } from "../../lib/static/file_cache.ts";
import { StaticFiles } from "../../lib/static/files.ts";

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

async function answer(files: StaticFiles, path: string, init: RequestInit = {}) {
  const res = await files.handle(new Request(`http://x${path}`, init));
  return {
    status: res.status,
    headers: Object.fromEntries(res.headers),
    body: init.method === "HEAD" ? null : await res.text(),
  };
}

Deno.test("StaticFiles.handle repeats a plain answer from memory, and validators and ranges still apply", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${root}/a.txt`, "0123456789");
    const files = new StaticFiles({
      root,
      cacheTime: 60,
      cors: true,
      cache: { validMs: 3_600_000 },
    });
    const first = await answer(files, "/a.txt");
    const again = await answer(files, "/a.txt");
    assert.deepEqual(again, first);
    assert.equal(first.headers["content-length"], "10");
    assert.equal(first.headers["cache-control"], "max-age=60");
    const head = await answer(files, "/a.txt", { method: "HEAD" });
    assert.deepEqual([head.status, head.headers["content-length"]], [200, "10"]);
    const etag = first.headers["etag"];
    assert.equal(
      (await answer(files, "/a.txt", { headers: { "If-None-Match": etag } })).status,
      304,
    );
    const part = await answer(files, "/a.txt", { headers: { Range: "bytes=2-3" } });
    assert.deepEqual([part.status, part.body], [206, "23"]);
    assert.equal((await answer(files, "/a.txt", { method: "POST" })).status, 405);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("StaticFiles.handle drops a remembered answer once what it depended on changed", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${root}/d`);
    await Deno.writeTextFile(`${root}/d/index.htm`, "htm");
    await Deno.writeTextFile(`${root}/app.js`, "plain");
    const validMs = 20;
    const files = new StaticFiles({ root, cache: { validMs } });
    const gzip = { headers: { "Accept-Encoding": "gzip" } };
    for (let i = 0; i < 2; i++) {
      assert.equal((await answer(files, "/d/")).body, "htm");
      assert.equal((await answer(files, "/app.js", gzip)).body, "plain");
    }
    await Deno.writeTextFile(`${root}/d/index.html`, "html");
    await Deno.writeTextFile(`${root}/app.js.gz`, "GZ");
    // Within the revalidation period nothing is checked; then everything is, once. Asking for
    // the files alone re-checks only them: the remembered answers must notice the rest.
    await new Promise((r) => setTimeout(r, validMs + 5));
    assert.equal((await answer(files, "/d/index.htm")).body, "htm");
    assert.equal((await answer(files, "/app.js", { headers: { Range: "bytes=0-1" } })).body, "pl");
    assert.equal((await answer(files, "/d/")).body, "html", "an index name tried earlier");
    const gz = await answer(files, "/app.js", gzip);
    assert.deepEqual([gz.body, gz.headers["content-encoding"]], ["GZ", "gzip"]);
    assert.equal((await answer(files, "/app.js")).body, "plain", "no Accept-Encoding");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
