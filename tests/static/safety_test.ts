import assert from "node:assert/strict";
import { safePath } from "../../lib/static/safe_path.ts";
import { curlResponse as curl } from "../_support/curl.ts";
import { rawExchange as raw, statusOf } from "../_support/io.ts";
import { serveTree } from "./_fixture.ts";

const TRAVERSALS = [
  "/../secret.txt",
  "/../outside/secret.txt",
  "/%2e%2e/secret.txt",
  "/%2E%2E/outside/secret.txt",
  "/.%2e/secret.txt",
  "/sub/..%2f..%2fsecret.txt",
  "/%2e%2e%2fsecret.txt",
  "/sub/%2e%2e/%2e%2e/secret.txt",
  "/..%5csecret.txt",
  "/%5c..%5csecret.txt",
  "/..\\secret.txt",
  "/sub\\..\\..\\secret.txt",
  "/a.txt%00.html",
  "/%00/../secret.txt",
  "/%25%32%65%25%32%65/secret.txt",
];

Deno.test("safePath() refuses every traversal form, NUL, encoded slashes and dotfiles", () => {
  for (const p of TRAVERSALS) {
    const got = safePath(p);
    assert.ok(
      got === null || !got.segments.some((s) => s.includes("..") && s.length === 2),
      `${p} → ${JSON.stringify(got)}`,
    );
  }
  assert.equal(safePath("/../a"), null);
  assert.equal(safePath("/%2e%2e/a"), null);
  assert.equal(safePath("/a%2fb"), null);
  assert.equal(safePath("/a%5cb"), null);
  assert.equal(safePath("/a\\b"), null);
  assert.equal(safePath("/a%00"), null);
  assert.equal(safePath("/.git/config"), null);
  assert.equal(safePath("/a/%2Eenv"), null);
  assert.equal(safePath("/%E0%A4%A"), null, "a bad escape");
  assert.deepEqual(safePath("/a//b/./c%20d/"), { segments: ["a", "b", "c d"], slash: true });
  assert.deepEqual(safePath("/static/x", "/static"), { segments: ["x"], slash: false });
  assert.equal(safePath("/staticx", "/static"), null);
  assert.equal(safePath("/other/x", "/static"), null);
});

Deno.test("StaticFiles keeps every traversal form inside root (raw requests)", async () => {
  const s = await serveTree({ "a.txt": "a", "sub/b.txt": "b" });
  try {
    for (const p of TRAVERSALS) {
      const reply = await raw(s.port, `GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      assert.doesNotMatch(reply, /TOP SECRET/, p);
      assert.ok([400, 404].includes(statusOf(reply)), `${p}: ${reply.slice(0, 40)}`);
    }
    const viaCurl = await curl("--path-as-is", `${s.base}/../secret.txt`);
    assert.doesNotMatch(viaCurl.body, /TOP SECRET/);
  } finally {
    await s.close();
  }
});

Deno.test("StaticFiles does not follow symlinks out of root, follows those inside, hides them from listings", async () => {
  const s = await serveTree({ "a.txt": "inside", "d/x.txt": "x" }, { browse: true });
  try {
    await Deno.symlink(`${s.dir}/outside/secret.txt`, `${s.root}/out.txt`);
    await Deno.symlink(`${s.dir}/outside`, `${s.root}/outdir`);
    await Deno.symlink(`${s.root}/a.txt`, `${s.root}/in.txt`);
    const out = await curl(`${s.base}/out.txt`);
    assert.equal(out.status, 404);
    assert.doesNotMatch(out.body, /TOP SECRET/);
    assert.equal((await curl(`${s.base}/outdir/secret.txt`)).status, 404);
    assert.equal((await curl(`${s.base}/outdir/`)).status, 404);
    assert.equal((await curl(`${s.base}/in.txt`)).body, "inside");
    const listing = await curl(`${s.base}/`);
    assert.match(listing.body, /in\.txt/);
    assert.doesNotMatch(listing.body, /out\.txt|outdir/);
  } finally {
    await s.close();
  }
});

Deno.test("StaticFiles answers 404 for dotfiles and dot-directories", async () => {
  const s = await serveTree({ ".env": "SECRET=1", ".git/config": "[core]", "a/.hidden": "h" });
  try {
    for (const p of ["/.env", "/.git/config", "/a/.hidden", "/%2eenv", "/.git/"]) {
      const r = await curl(`${s.base}${p}`);
      assert.equal(r.status, 404, p);
      assert.doesNotMatch(r.body, /SECRET|core/);
    }
  } finally {
    await s.close();
  }
});
