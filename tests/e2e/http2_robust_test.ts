/**
 * HTTP/2 against an independent client (python3-h2) that does what curl and nghttp never do:
 * resets a stream while the origin holds its answer, sends frames the protocol forbids, and
 * stops giving flow-control credit while a large body is on its way.
 */
import assert from "node:assert/strict";
import { acceptLoop } from "../_support/accept.ts";
import { curl } from "../_support/curl.ts";
import { rssKib, startFloodOrigin, waitForStall } from "../_support/flood.ts";
import { startH2Peer } from "../_support/h2_peer.ts";
import { readHead, writeAll } from "../_support/io.ts";
import { makePki, type TestPki } from "../_support/pki.ts";
import { freePort } from "../_support/ports.ts";
import { type Instance, startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";

/** The config of one bind_ssl server (HTTP/2 on) proxying `/` to `origin`. */
function config(p: TestPki, port: number, origin: number, extra = ""): string {
  const leaf = p.leaves["a.test"];
  return `
${extra}
[[http.server]]
bind_ssl = "127.0.0.1:${port}"
up_name = "a.test"
cert = "${leaf.certFile}"
key = "${leaf.keyFile}"
[[http.server.location]]
rule = "/"
proxy_url = "http://127.0.0.1:${origin}"
`;
}

/** A promise with its resolver. */
function signal<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => resolve = r);
  return { promise, resolve };
}

/** `promise`, or a rejection naming `what` after `ms` (well before the proxy's own timeouts). */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * An origin that holds the answer to `/hold` (saying so), until the proxy closes that
 * upstream connection (saying so too); any other path gets "fine" at once.
 */
function startHoldingOrigin() {
  const held = signal();
  const cut = signal();
  const decoder = new TextDecoder();
  const loop = acceptLoop(Deno.listen({ hostname: "127.0.0.1", port: 0 }), async (conn) => {
    const head = decoder.decode(await readHead(conn));
    if (head.startsWith("GET /hold ")) {
      held.resolve();
      const buf = new Uint8Array(1024);
      try {
        while ((await conn.read(buf)) !== null) { /* the proxy sends nothing more */ }
      } catch { /* reset: cut too */ }
      cut.resolve();
      return;
    }
    await writeAll(conn, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\nfine");
  });
  return { port: loop.port, held: held.promise, cut: cut.promise, close: () => loop.close() };
}

/** `curl --http2` for `/path` at a.test on `port`: HTTP version and status. */
async function curlH2(p: TestPki, port: number, path: string): Promise<string> {
  const r = await curl([
    "--cacert",
    p.caFile,
    "--resolve",
    `a.test:${port}:127.0.0.1`,
    "--http2",
    "-s",
    "-o",
    "/dev/null",
    "-w",
    "%{http_version} %{http_code}",
    `https://a.test:${port}${path}`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

Deno.test("HTTP/2 RST_STREAM while the origin holds the answer: the upstream is cut, logged as 499, and the connection serves the next stream", async () => {
  const dir = await tempDir();
  const p = await makePki(dir.path, [["a.test"]]);
  const origin = startHoldingOrigin();
  const port = freePort();
  let inst: Instance | undefined;
  const peer = { close: async () => {} };
  try {
    inst = await startInstance(
      dir.path,
      config(
        p,
        port,
        origin.port,
        `[http]
access_log = "main short info"
[http.log_format]
short = "{method} {path} {status} {server_protocol}"
[http.log_names]
main = "${dir.path}/access.log"`,
      ),
    );
    const client = await startH2Peer(port, { serverName: "a.test", caFile: p.caFile });
    peer.close = () => client.close();
    await client.send("get 1 /hold");
    await origin.held;
    await client.send("reset 1");
    await within(origin.cut, 10_000, "the upstream connection closed after RST_STREAM");
    await client.send("get 3 /after");
    assert.equal(await client.waitFor(/^headers 3 /), "headers 3 200");
    assert.equal(await client.waitFor(/^end 3 /), "end 3 4");
    assert.ok(!client.lines.some((l) => /^(goaway|closed|error)/.test(l)), client.log());
    await client.close();
    inst.process.kill("SIGTERM"); // a clean stop writes out the access log
    assert.equal((await inst.exited()).code, 0);
    const log = await Deno.readTextFile(`${dir.path}/access.log`);
    assert.match(log, /^GET \/hold 499 HTTP\/2\.0$/m);
    assert.match(log, /^GET \/after 200 HTTP\/2\.0$/m);
  } finally {
    await peer.close();
    await inst?.kill();
    await origin.close();
    await dir.cleanup();
  }
});

/** Frames a server must treat as a connection error, sent after a valid preface and SETTINGS. */
const MALFORMED: readonly { name: string; hex: string }[] = [
  // DATA (type 0) on stream 0: PROTOCOL_ERROR (RFC 9113 §6.1).
  { name: "DATA on stream 0", hex: "000004000000000000" + "61616161" },
  // Not a frame: a header announcing 16 MiB - 1 of an unknown type, beyond SETTINGS_MAX_FRAME_SIZE.
  { name: "garbage", hex: "ffffffff" + "deadbeef".repeat(8) },
];

Deno.test("HTTP/2 malformed frames: that connection is closed with one log line shown by default, the listener keeps serving", async () => {
  const dir = await tempDir();
  const p = await makePki(dir.path, [["a.test"]]);
  const origin = startHoldingOrigin();
  const port = freePort();
  let inst: Instance | undefined;
  try {
    inst = await startInstance(dir.path, config(p, port, origin.port));
    for (const m of MALFORMED) {
      const from = inst.lines.length;
      const client = await startH2Peer(port, { serverName: "a.test", caFile: p.caFile });
      try {
        await client.send(`raw ${m.hex}`);
        await client.waitFor(/^closed$/);
        // GOAWAY with an error code (RFC 9113 §5.4.1) came before the close.
        assert.match(client.lines.join("\n"), /^goaway [1-9]\d*$/m, client.log());
      } finally {
        await client.close();
      }
      const line = await inst.waitFor(/HTTP\/2 protocol error/, from);
      assert.match(line, / \[(WRN|INF)\] /, `${m.name}: shown at the default level`);
      assert.ok(!/^\s+at /m.test(inst.lines.slice(from).join("\n")), `${m.name}: no stack`);
      assert.equal(await curlH2(p, port, "/after"), "2 200", m.name);
      const lines = inst.lines.slice(from);
      assert.equal(lines.length, 1, `${m.name}: one line\n${lines.join("\n")}`);
      assert.match(line, /127\.0\.0\.1:\d+/, `${m.name}: the line names the peer`);
    }
  } finally {
    await inst?.kill();
    await origin.close();
    await dir.cleanup();
  }
});

/** The body the origin wants to send. */
const TOTAL = 64 * 1024 * 1024;
/**
 * The origin must stall before writing this much: the socket buffers on both ends of the
 * upstream connection hold 4 to 6 MiB on loopback here (tcp_wmem max 4 MiB, receive
 * autotuning), the proxy itself 256 KiB per stream.
 */
const MAX_WRITTEN = 12 * 1024 * 1024;
/** The proxy may read this much of a file for a client that takes 64 KiB. */
const MAX_READ = 8 * 1024 * 1024;
/** The proxy's RSS may grow at most this much while the client gives no credit. */
const MAX_GROWTH_KIB = 16 * 1024;

Deno.test("HTTP/2 slow reader (no WINDOW_UPDATE): the origin stalls far below 64 MiB, RSS bounded, closing the client cuts the upstream", async () => {
  const dir = await tempDir();
  const p = await makePki(dir.path, [["a.test"]]);
  const origin = startFloodOrigin({ total: TOTAL, http: true });
  const port = freePort();
  let inst: Instance | undefined;
  const peer = { close: async () => {} };
  try {
    inst = await startInstance(dir.path, config(p, port, origin.port));
    const pid = inst.process.pid;
    const before = rssKib(pid);
    const client = await startH2Peer(port, { serverName: "a.test", caFile: p.caFile }, {
      window: 65535,
      noWindowUpdate: true,
    });
    peer.close = () => client.close();
    await client.send("get 1 /big");
    const flood = await origin.first;
    assert.equal(await client.waitFor(/^headers 1 /), "headers 1 200");
    const stalledAt = await waitForStall(flood);
    const growth = rssKib(pid) - before;
    if (Deno.env.get("WMPROXY_SLOW_FIGURES")) {
      console.error(
        `h2: origin stalled after ${(stalledAt / 2 ** 20).toFixed(1)} MiB, ` +
          `proxy RSS +${(growth / 1024).toFixed(1)} MiB`,
      );
    }
    assert.ok(stalledAt < MAX_WRITTEN, `the origin wrote ${stalledAt} bytes before stalling`);
    assert.ok(growth < MAX_GROWTH_KIB, `the proxy's RSS grew by ${growth} KiB`);
    // The client got its window's worth, no more.
    const got = client.lines.filter((l) => l.startsWith("data 1 ")).map((l) =>
      Number(l.split(" ")[2])
    );
    assert.ok(Math.max(0, ...got) <= 65535, client.log());
    await client.close();
    const ended = await flood.finished;
    assert.ok(ended instanceof Error, "the upstream connection was cut, not drained");
    assert.ok(flood.written < TOTAL);
  } finally {
    await peer.close();
    await inst?.kill();
    await origin.close();
    await dir.cleanup();
  }
});

/** The proxy process's bytes read so far (any file or socket), from /proc/PID/io. */
function bytesRead(pid: number): number {
  const m = /^rchar: (\d+)$/m.exec(Deno.readTextFileSync(`/proc/${pid}/io`));
  assert.ok(m, `rchar in /proc/${pid}/io`);
  return Number(m[1]);
}

/**
 * Waits until `sample()` has not changed for `quietMs` and returns it (a reader held back by
 * backpressure); throws if it keeps changing for `limitMs`. Polls: the end of progress is a
 * non-event.
 */
async function waitForQuiet(sample: () => number, quietMs = 1500, limitMs = 30_000) {
  const start = performance.now();
  let last = sample();
  let since = start;
  while (true) {
    await new Promise((r) => setTimeout(r, 100));
    const now = performance.now();
    const v = sample();
    if (v !== last) [last, since] = [v, now];
    else if (now - since >= quietMs) return v;
    if (now - start > limitMs) throw new Error(`still changing after ${limitMs} ms (${v})`);
  }
}

Deno.test("HTTP/2 slow reader of a 64 MiB file (no WINDOW_UPDATE): the proxy reads a bounded part of it, RSS bounded", async () => {
  const dir = await tempDir();
  const p = await makePki(dir.path, [["a.test"]]);
  await Deno.mkdir(`${dir.path}/www`);
  await Deno.writeFile(`${dir.path}/www/big.bin`, new Uint8Array(TOTAL).fill(0x62));
  const port = freePort();
  const leaf = p.leaves["a.test"];
  let inst: Instance | undefined;
  const peer = { close: async () => {} };
  try {
    inst = await startInstance(
      dir.path,
      `
[[http.server]]
bind_ssl = "127.0.0.1:${port}"
up_name = "a.test"
cert = "${leaf.certFile}"
key = "${leaf.keyFile}"
[[http.server.location]]
rule = "/"
file_server = { root = "${dir.path}/www" }
`,
    );
    const pid = inst.process.pid;
    const before = rssKib(pid);
    const readBefore = bytesRead(pid);
    const client = await startH2Peer(port, { serverName: "a.test", caFile: p.caFile }, {
      window: 65535,
      noWindowUpdate: true,
    });
    peer.close = () => client.close();
    await client.send("get 1 /big.bin");
    assert.equal(await client.waitFor(/^headers 1 /), "headers 1 200");
    await client.waitFor(/^data 1 65535$/);
    const read = await waitForQuiet(() => bytesRead(pid)) - readBefore;
    const growth = rssKib(pid) - before;
    if (Deno.env.get("WMPROXY_SLOW_FIGURES")) {
      console.error(
        `h2 file: proxy read ${(read / 2 ** 20).toFixed(1)} MiB, ` +
          `RSS +${(growth / 1024).toFixed(1)} MiB`,
      );
    }
    assert.ok(read < MAX_READ, `the proxy read ${read} bytes for a client that took 64 KiB`);
    assert.ok(growth < MAX_GROWTH_KIB, `the proxy's RSS grew by ${growth} KiB`);
    assert.ok(!client.lines.some((l) => /^end 1 /.test(l)), client.log());
  } finally {
    await peer.close();
    await inst?.kill();
    await dir.cleanup();
  }
});
