import assert from "node:assert/strict";
import { HttpReader } from "../../lib/http/reader.ts";
import { decoder, encoder, sha256 } from "../_support/bytes.ts";
import { curl } from "../_support/curl.ts";
import { readToEnd, writeAll } from "../_support/io.ts";
import { startOrigin } from "../_support/origins.ts";
import {
  location,
  options,
  proxyTo,
  RawReader,
  startRawOrigin,
  startReverse,
  upstream,
} from "./_harness.ts";

// Bodies through the proxy: chunked both ways, 100-continue, bodiless responses, big streams.

const MiB = 1024 * 1024;

function pattern(n: number, seed = 7): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

async function tempFile(data: Uint8Array): Promise<string> {
  const path = await Deno.makeTempFile({ prefix: "wmproxy-body-" });
  await Deno.writeFile(path, data);
  return path;
}

Deno.test("ReverseProxy streams chunked bodies both ways unchanged", async () => {
  const upload = pattern(3 * MiB + 123);
  const download = pattern(5 * MiB + 7, 11);
  const origin = startOrigin("O", () => {
    // A streamed body without a length: Deno.serve sends it chunked.
    let off = 0;
    return new Response(
      new ReadableStream({
        pull(c) {
          if (off >= download.length) return c.close();
          c.enqueue(download.slice(off, off + 100_000));
          off += 100_000;
        },
      }),
    );
  });
  const p = startReverse(options([location("/", proxyTo(upstream("o", [origin.port])))]));
  const file = await tempFile(upload);
  const out = await Deno.makeTempFile();
  try {
    const r = await curl([
      "-H",
      "Transfer-Encoding: chunked",
      "--data-binary",
      `@${file}`,
      "-o",
      out,
      "-D",
      "-",
      `${p.url}/up`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /transfer-encoding: chunked/i, "the client got it chunked");
    const seen = origin.seen[0];
    assert.equal(seen.headers.get("transfer-encoding"), "chunked");
    assert.equal(seen.bodyLength, upload.length);
    assert.equal(seen.bodyHash, await sha256(upload));
    assert.equal(await sha256(await Deno.readFile(out)), await sha256(download));
  } finally {
    await Deno.remove(file);
    await Deno.remove(out);
    await p.close();
    await origin.close();
  }
});

Deno.test("ReverseProxy with maxReadBuf (max_read_buf) 1024 relays bodies unchanged in small reads", async () => {
  const upload = pattern(MiB + 5);
  const download = pattern(2 * MiB + 3, 5);
  const origin = startOrigin("O", () => new Response(download));
  const p = startReverse(options([
    location("/", proxyTo(upstream("o", [origin.port])), { maxReadBuf: 1024 }),
  ]));
  const file = await tempFile(upload);
  const out = await Deno.makeTempFile();
  // Watch the proxy's reads: those under the cap must bring at most 1024 bytes each.
  const fill = HttpReader.prototype.fill;
  let capped = 0;
  let largest = 0;
  HttpReader.prototype.fill = async function (this: HttpReader) {
    const before = this.buffered;
    const more = await fill.call(this);
    if (this.maxRead === 1024) {
      capped++;
      largest = Math.max(largest, this.buffered - before);
    }
    return more;
  };
  try {
    const r = await curl(["--data-binary", `@${file}`, "-o", out, `${p.url}/up`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(origin.seen[0].bodyHash, await sha256(upload));
    assert.equal(await sha256(await Deno.readFile(out)), await sha256(download));
    assert.ok(capped >= 3 * 1024, `only ${capped} reads were capped`);
    assert.ok(largest <= 1024, `a capped read brought ${largest} bytes`);
  } finally {
    HttpReader.prototype.fill = fill;
    await Deno.remove(file);
    await Deno.remove(out);
    await p.close();
    await origin.close();
  }
});

Deno.test("ReverseProxy dechunks for an HTTP/1.0 client and closes after", async () => {
  const origin = startOrigin("O", () =>
    new Response(
      new ReadableStream({
        start(c) {
          c.enqueue(encoder.encode("hello "));
          c.enqueue(encoder.encode("world"));
          c.close();
        },
      }),
    ));
  const p = startReverse(options([location("/", proxyTo(upstream("o", [origin.port])))]));
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: p.port });
  try {
    await writeAll(conn, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    const all = decoder.decode(await readToEnd(conn));
    assert.doesNotMatch(all, /transfer-encoding/i);
    assert.match(all, /\r\nConnection: close\r\n/);
    assert.match(all, /\r\n\r\nhello world$/);
  } finally {
    conn.close();
    await p.close();
    await origin.close();
  }
});

Deno.test("ReverseProxy passes Expect: 100-continue through to the origin and back", async () => {
  const origin = startRawOrigin(
    (req) =>
      `HTTP/1.1 200 OK\r\nContent-Length: ${
        String(req.body.length).length
      }\r\n\r\n${req.body.length}`,
    { continue100: true },
  );
  const p = startReverse(options([location("/", proxyTo(upstream("o", [origin.port])))]));
  const file = await tempFile(pattern(64 * 1024));
  try {
    const started = Date.now();
    // curl would wait 20 s for the 100 before sending anyway: a quick answer proves it came.
    const r = await curl([
      "-v",
      "-H",
      "Expect: 100-continue",
      "--expect100-timeout",
      "20",
      "--data-binary",
      `@${file}`,
      `${p.url}/e`,
    ]);
    assert.equal(r.stdout, "65536");
    assert.match(r.stderr, /< HTTP\/1\.1 100 Continue/);
    assert.ok(Date.now() - started < 10_000);
    assert.match(origin.requests[0].head, /\r\nExpect: 100-continue/i);
  } finally {
    await Deno.remove(file);
    await p.close();
    await origin.close();
  }
});

Deno.test("ReverseProxy relays a final answer to Expect: 100-continue without the body", async () => {
  const origin = startRawOrigin(
    () => "HTTP/1.1 417 Expectation Failed\r\nContent-Length: 4\r\nConnection: close\r\n\r\nnope",
    { answerBeforeBody: true },
  );
  const p = startReverse(options([location("/", proxyTo(upstream("o", [origin.port])))]));
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: p.port });
  try {
    const reader = new RawReader(conn);
    await writeAll(
      conn,
      "PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n",
    );
    const head = await reader.readHead();
    assert.match(head!, /^HTTP\/1\.1 417 /);
    assert.equal(decoder.decode(await reader.readExactly(4)), "nope");
    // The body was never sent; the proxy cannot reuse the connection and closes it.
    assert.equal((await readToEnd(conn)).length, 0);
  } finally {
    conn.close();
    await p.close();
    await origin.close();
  }
});

Deno.test("ReverseProxy forwards HEAD, 204 and 304 without bodies and keeps both connections", async () => {
  const origin = startRawOrigin((req) => {
    if (req.requestLine.startsWith("HEAD")) {
      return "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nContent-Type: text/plain\r\n\r\n";
    }
    if (req.requestLine.startsWith("GET /204")) return "HTTP/1.1 204 No Content\r\n\r\n";
    if (req.requestLine.startsWith("GET /304")) {
      return 'HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\nContent-Length: 1000\r\n\r\n';
    }
    return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  });
  const p = startReverse(options([location("/", proxyTo(upstream("o", [origin.port])))]));
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: p.port });
  try {
    const reader = new RawReader(conn);
    await writeAll(conn, "HEAD /h HTTP/1.1\r\nHost: a\r\n\r\n");
    assert.match((await reader.readHead())!, /^HTTP\/1\.1 200 OK\r\n[\s\S]*Content-Length: 1000/);
    await writeAll(conn, "GET /204 HTTP/1.1\r\nHost: a\r\n\r\n");
    assert.match((await reader.readHead())!, /^HTTP\/1\.1 204 No Content/);
    await writeAll(conn, 'GET /304 HTTP/1.1\r\nHost: a\r\nIf-None-Match: "v1"\r\n\r\n');
    assert.match((await reader.readHead())!, /^HTTP\/1\.1 304 Not Modified\r\n[\s\S]*ETag: "v1"/);
    await writeAll(conn, "GET /after HTTP/1.1\r\nHost: a\r\n\r\n");
    const head = (await reader.readHead())!;
    assert.match(head, /Content-Length: 2/);
    assert.equal(decoder.decode(await reader.readExactly(2)), "ok", "no stray body bytes before");
    assert.equal(reader.buffered, 0);
    assert.equal(origin.accepted(), 1, "one upstream connection throughout");
  } finally {
    conn.close();
    await p.close();
    await origin.close();
  }
});

/** Peak and current RSS of a process, in bytes, from /proc. */
async function memory(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)![1]) * 1024;
  return { rss: kb("VmRSS"), peak: kb("VmHWM") };
}

Deno.test("ReverseProxy streams 100 MiB up and down without its RSS growing by 50 MiB", async () => {
  const size = 100 * MiB;
  const chunk = pattern(MiB, 3);
  // A raw origin: reads the upload counting bytes, or sends 100 MiB with Content-Length.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let uploaded = -1;
  const serving = (async () => {
    for await (const conn of listener) {
      (async () => {
        const r = new RawReader(conn);
        try {
          while (true) {
            const head = await r.readHead();
            if (head === null) break;
            if (head.startsWith("PUT")) {
              const length = Number(/content-length: (\d+)/i.exec(head)![1]);
              let got = 0;
              while (got < length) got += (await r.readExactly(Math.min(MiB, length - got))).length;
              uploaded = got;
              await writeAll(
                conn,
                `HTTP/1.1 200 OK\r\nContent-Length: ${String(got).length}\r\n\r\n${got}`,
              );
            } else if (head.startsWith("GET /warm")) {
              await writeAll(conn, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            } else {
              await writeAll(conn, `HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`);
              for (let sent = 0; sent < size; sent += chunk.length) await writeAll(conn, chunk);
            }
          }
        } catch {
          // the proxy went away
        } finally {
          conn.close();
        }
      })();
    }
  })();
  const originPort = (listener.addr as Deno.NetAddr).port;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./_proxy_process.ts", import.meta.url).pathname,
      String(originPort),
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const file = await Deno.makeTempFile({ prefix: "wmproxy-100m-" });
  try {
    let port = 0;
    let text = "";
    while (!port) {
      const { value, done } = await lines.read();
      if (done) throw new Error("the proxy process exited");
      text += value;
      const m = /listening (\d+)/.exec(text);
      if (m) port = Number(m[1]);
    }
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) await Deno.writeFile(file, chunk, { append: true });
    // Warm up, then take the baseline.
    assert.equal((await curl([`${url}/warm`])).stdout, "ok");
    const before = await memory(child.pid);
    const up = await curl(["-T", file, `${url}/upload`]);
    assert.equal(up.stdout, String(size));
    assert.equal(uploaded, size);
    const down = await new Deno.Command("sh", {
      args: ["-c", `curl -sS --max-time 60 ${url}/download | sha256sum`],
      stdout: "piped",
    }).output();
    const expected = await new Deno.Command("sh", {
      args: ["-c", `sha256sum < ${file}`],
      stdout: "piped",
    }).output();
    assert.equal(decoder.decode(down.stdout), decoder.decode(expected.stdout));
    const after = await memory(child.pid);
    const growth = after.peak - before.rss;
    console.log(
      `RSS ${(before.rss / MiB).toFixed(1)} MiB, peak after ${(after.peak / MiB).toFixed(1)} MiB`,
    );
    assert.ok(growth < 50 * MiB, `RSS grew by ${(growth / MiB).toFixed(1)} MiB`);
  } finally {
    child.kill();
    await child.status;
    await lines.cancel().catch(() => {});
    listener.close();
    await serving;
    await Deno.remove(file);
  }
});
