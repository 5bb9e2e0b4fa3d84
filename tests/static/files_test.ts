import assert from "node:assert/strict";
import { curlResponse as curl } from "../_support/curl.ts";
import { rawExchange as raw, statusOf } from "../_support/io.ts";
import { serveTree } from "./_fixture.ts";

Deno.test("StaticFiles serves index.html for a directory and redirects the slashless form", async () => {
  const s = await serveTree({ "index.html": "<h1>home</h1>", "docs/index.htm": "docs" });
  try {
    const home = await curl(`${s.base}/`);
    assert.equal(home.status, 200);
    assert.equal(home.body, "<h1>home</h1>");
    assert.equal(home.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal((await curl(`${s.base}/docs/`)).body, "docs");
    const redirect = await curl(`${s.base}/docs?x=1`);
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get("location"), "/docs/");
  } finally {
    await s.close();
  }
});

Deno.test("StaticFiles tries the configured index names in order", async () => {
  const s = await serveTree({ "home.txt": "custom", "index.html": "default" }, {
    index: ["home.txt", "index.html"],
  });
  try {
    assert.equal((await curl(`${s.base}/`)).body, "custom");
  } finally {
    await s.close();
  }
});

Deno.test("StaticFiles lists a directory when browse is on: escaped, sorted, sizes, times, parent", async () => {
  const s = await serveTree({
    "list/b.txt": "bb",
    "list/<img src=x onerror=alert(1)>&'\".txt": "x",
    "list/a dir/file": "1234567890",
    "list/A.bin": new Uint8Array(2048),
    "list/.env": "SECRET=1",
  }, { browse: true });
  try {
    const r = await curl(`${s.base}/list/`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("content-type"), "text/html; charset=utf-8");
    assert.doesNotMatch(r.body, /<img/);
    assert.ok(
      r.body.includes(
        '<a href="%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E%26&#39;%22.txt">' +
          "&lt;img src=x onerror=alert(1)&gt;&amp;&#39;&quot;.txt</a>",
      ),
      r.body,
    );
    assert.doesNotMatch(r.body, /\.env/);
    assert.match(r.body, /data-bytes="2048">2\.0 KiB</);
    assert.match(r.body, /data-bytes="2">2 B</);
    assert.match(r.body, /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
    // The parent link, directories, then files by name (code-point order: "%" < "A" < "b").
    const hrefs = [...r.body.matchAll(/<a href="([^"]+)">/g)].map((m) => m[1].slice(0, 6));
    assert.deepEqual(hrefs, ["../", "a%20di", "%3Cimg", "A.bin", "b.txt"]);
    const top = await curl(`${s.base}/`);
    assert.doesNotMatch(top.body, /href="\.\.\/"/, "no parent link at the top");
  } finally {
    await s.close();
  }
});

Deno.test("StaticFiles answers 404 for a directory without index when browse is off", async () => {
  const s = await serveTree({ "list/a.txt": "a" });
  try {
    assert.equal((await curl(`${s.base}/list/`)).status, 404);
  } finally {
    await s.close();
  }
});

Deno.test("StaticFiles sets MIME types from npm:mime, ext_mimetype overrides and charset on text", async () => {
  const s = await serveTree({
    "a.css": "body{}",
    "a.js": "1",
    "a.png": new Uint8Array(4),
    "a.md": "# x",
    "a.unknownext": "?",
    "noext": "?",
  }, { extMimetype: { md: "text/x-wm-markdown" } });
  try {
    const type = async (p: string) => (await curl(`${s.base}/${p}`)).headers.get("content-type");
    assert.equal(await type("a.css"), "text/css; charset=utf-8");
    assert.equal(await type("a.js"), "text/javascript; charset=utf-8");
    assert.equal(await type("a.png"), "image/png");
    assert.equal(await type("a.md"), "text/x-wm-markdown; charset=utf-8");
    assert.equal(await type("a.unknownext"), "application/octet-stream");
    assert.equal(await type("noext"), "application/octet-stream");
  } finally {
    await s.close();
  }
});

Deno.test("StaticFiles sends a weak ETag and Last-Modified and answers 304 to matching validators", async () => {
  const s = await serveTree({ "a.txt": "hello" });
  try {
    const first = await curl(`${s.base}/a.txt`);
    const etag = first.headers.get("etag")!;
    const lastModified = first.headers.get("last-modified")!;
    assert.match(etag, /^W\/"[0-9a-f]+-5"$/);
    assert.equal(new Date(lastModified).toUTCString(), lastModified);
    const inm = await curl("-H", `If-None-Match: "x", ${etag}`, `${s.base}/a.txt`);
    assert.equal(inm.status, 304);
    assert.equal(inm.body, "");
    assert.equal(inm.headers.get("etag"), etag);
    assert.equal((await curl("-H", 'If-None-Match: W/"other"', `${s.base}/a.txt`)).status, 200);
    const ims = await curl("-H", `If-Modified-Since: ${lastModified}`, `${s.base}/a.txt`);
    assert.equal(ims.status, 304);
    const old = new Date(Date.parse(lastModified) - 3600_000).toUTCString();
    assert.equal((await curl("-H", `If-Modified-Since: ${old}`, `${s.base}/a.txt`)).status, 200);
    // If-None-Match wins over If-Modified-Since.
    const both = await curl(
      "-H",
      'If-None-Match: "nope"',
      "-H",
      `If-Modified-Since: ${lastModified}`,
      `${s.base}/a.txt`,
    );
    assert.equal(both.status, 200);
  } finally {
    await s.close();
  }
});

Deno.test("StaticFiles answers a single Range with 206, an unsatisfiable one with 416, honours If-Range", async () => {
  const s = await serveTree({ "d.txt": "0123456789" });
  try {
    const url = `${s.base}/d.txt`;
    const mid = await curl("-H", "Range: bytes=2-5", url);
    assert.equal(mid.status, 206);
    assert.equal(mid.body, "2345");
    assert.equal(mid.headers.get("content-range"), "bytes 2-5/10");
    assert.equal(mid.headers.get("content-length"), "4");
    assert.equal((await curl("-H", "Range: bytes=7-", url)).body, "789");
    assert.equal((await curl("-H", "Range: bytes=-3", url)).body, "789");
    assert.equal((await curl("-H", "Range: bytes=8-100", url)).body, "89");
    const bad = await curl("-H", "Range: bytes=10-", url);
    assert.equal(bad.status, 416);
    assert.equal(bad.headers.get("content-range"), "bytes */10");
    const multi = await curl("-H", "Range: bytes=0-1,4-5", url);
    assert.equal(multi.status, 200, "several ranges: the whole file");
    assert.equal(multi.body, "0123456789");
    const lastModified = (await curl(url)).headers.get("last-modified")!;
    const same = await curl("-H", "Range: bytes=0-0", "-H", `If-Range: ${lastModified}`, url);
    assert.equal(same.status, 206);
    const older = new Date(Date.parse(lastModified) - 5000).toUTCString();
    const changed = await curl("-H", "Range: bytes=0-0", "-H", `If-Range: ${older}`, url);
    assert.equal(changed.status, 200);
    assert.equal(changed.body, "0123456789");
    const etag = await curl("-H", "Range: bytes=0-0", "-H", 'If-Range: "abc"', url);
    assert.equal(etag.status, 200, "an entity tag never matches our weak ETags");
  } finally {
    await s.close();
  }
});

Deno.test("StaticFiles answers HEAD with the GET headers and no body", async () => {
  const s = await serveTree({ "a.txt": "hello" });
  try {
    const reply = await raw(
      s.port,
      "HEAD /a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert.equal(statusOf(reply), 200);
    assert.match(reply, /content-length: 5\r\n/i);
    assert.ok(reply.endsWith("\r\n\r\n"), `a body was sent: ${JSON.stringify(reply)}`);
  } finally {
    await s.close();
  }
});

Deno.test("StaticFiles picks precompressed .br / .gz siblings by Accept-Encoding with Vary", async () => {
  const s = await serveTree({
    "app.js": "plain",
    "app.js.br": "BROTLI",
    "app.js.gz": "GZIP",
    "only.css": "plain-css",
    "only.css.gz": "GZ-CSS",
  });
  try {
    const get = (path: string, ae?: string) =>
      curl(...(ae === undefined ? [] : ["-H", `Accept-Encoding: ${ae}`]), `${s.base}/${path}`);
    const br = await get("app.js", "gzip, deflate, br");
    assert.deepEqual(
      [br.body, br.headers.get("content-encoding"), br.headers.get("vary")],
      ["BROTLI", "br", "Accept-Encoding"],
    );
    assert.equal(br.headers.get("content-type"), "text/javascript; charset=utf-8");
    const gz = await get("app.js", "gzip");
    assert.deepEqual([gz.body, gz.headers.get("content-encoding")], ["GZIP", "gzip"]);
    const refused = await get("app.js", "br;q=0, gzip;q=0");
    assert.deepEqual([refused.body, refused.headers.get("content-encoding")], ["plain", undefined]);
    const none = await get("app.js");
    assert.deepEqual([none.body, none.headers.get("vary")], ["plain", "Accept-Encoding"]);
    assert.equal((await get("only.css", "br, gzip")).body, "GZ-CSS");
    assert.equal((await get("only.css", "br")).body, "plain-css");
  } finally {
    await s.close();
  }
});

Deno.test("StaticFiles sends Cache-Control from cacheTime and CORS headers when asked", async () => {
  const s = await serveTree({ "a.txt": "a" }, { cacheTime: 3600, cors: true });
  try {
    const r = await curl(`${s.base}/a.txt`);
    assert.equal(r.headers.get("cache-control"), "max-age=3600");
    assert.equal(r.headers.get("access-control-allow-origin"), "*");
  } finally {
    await s.close();
  }
  const plain = await serveTree({ "a.txt": "a" });
  try {
    const r = await curl(`${plain.base}/a.txt`);
    assert.equal(r.headers.get("cache-control"), undefined);
    assert.equal(r.headers.get("access-control-allow-origin"), undefined);
  } finally {
    await plain.close();
  }
});

Deno.test("StaticFiles answers misses with the path404 page and /robots.txt with the robots text", async () => {
  const s = await serveTree({ "a.txt": "a" }, { robots: "User-agent: *\nDisallow: /" });
  const page = `${s.dir}/404.html`;
  await Deno.writeTextFile(page, "<p>custom missing page</p>");
  const with404 = await serveTree({ "robots.txt": "from disk" }, { path404: page });
  try {
    const robots = await curl(`${s.base}/robots.txt`);
    assert.deepEqual(
      [robots.status, robots.body, robots.headers.get("content-type")],
      [200, "User-agent: *\nDisallow: /", "text/plain; charset=utf-8"],
    );
    const miss = await curl(`${with404.base}/nothing/here`);
    assert.deepEqual(
      [miss.status, miss.body, miss.headers.get("content-type")],
      [404, "<p>custom missing page</p>", "text/html; charset=utf-8"],
    );
    assert.equal((await curl(`${with404.base}/robots.txt`)).body, "from disk");
    assert.equal((await curl(`${s.base}/nothing`)).status, 404);
  } finally {
    await s.close();
    await with404.close();
  }
});

Deno.test("StaticFiles refuses methods other than GET and HEAD with 405", async () => {
  const s = await serveTree({ "a.txt": "a" });
  try {
    const r = await curl("-X", "POST", "-d", "x", `${s.base}/a.txt`);
    assert.equal(r.status, 405);
    assert.equal(r.headers.get("allow"), "GET, HEAD");
  } finally {
    await s.close();
  }
});

Deno.test("StaticFiles strips its prefix, hides `hide` paths and answers misses with `status`", async () => {
  const s = await serveTree({
    "a.txt": "a",
    "drafts/b.txt": "b",
    "list/c.txt": "c",
    "list/secret-notes.txt": "s",
  }, { prefix: "/files/", hide: ["drafts", "secret"], status: 410, browse: true });
  try {
    assert.equal((await curl(`${s.base}/files/a.txt`)).body, "a");
    assert.equal((await curl(`${s.base}/a.txt`)).status, 410, "outside the prefix");
    assert.equal((await curl(`${s.base}/filesa.txt`)).status, 410);
    assert.equal((await curl(`${s.base}/files/drafts/b.txt`)).status, 410);
    const listing = await curl(`${s.base}/files/list/`);
    assert.match(listing.body, /c\.txt/);
    assert.doesNotMatch(listing.body, /secret-notes/);
    assert.match(listing.body, /Index of \/files\/list\//);
  } finally {
    await s.close();
  }
});
