import assert from "node:assert/strict";
import { decoder, encoder } from "../_support/bytes.ts";
import { rssKib } from "../_support/idle_memory.ts";
import { closeQuietly, writeAll } from "../_support/io.ts";
import { startOrigin } from "../_support/origins.ts";
import { freePort } from "../_support/ports.ts";
import { startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";

/** Idle keep-alive clients opened per test. */
const CLIENTS = 1000;
/** Connects in flight at once. */
const BATCH = 64;
/** Warm-up: keep-alive clients, and requests on each. */
const WARM_CLIENTS = 32;
const WARM_REQUESTS = 200;
/**
 * Bound on the resident memory an idle keep-alive client may add (KiB): a correctness bound,
 * far above the few KiB it takes, far below the 64 KiB read buffer it must not hold. The
 * forward proxy keeps each client's upstream connection open too: two sockets, twice that.
 */
const MAX_KIB_PER_SOCKET = 16;

/** Sends `request` on `conn` and reads the whole answer (ending with `body`). */
async function ask(conn: Deno.Conn, request: string, body: string): Promise<void> {
  await writeAll(conn, encoder.encode(request));
  const buf = new Uint8Array(4096);
  let got = "";
  while (!got.endsWith(body)) {
    const n = await conn.read(buf);
    if (n === null) throw new Error(`closed after ${JSON.stringify(got)}`);
    got += decoder.decode(buf.subarray(0, n));
  }
  assert.match(got, /^HTTP\/1\.1 200 /);
}

/** Opens a connection, answered once. */
async function oneRequest(port: number, request: string, body: string): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await ask(conn, request, body);
  return conn;
}

/** Opens `n` clients, each answered once and then left idle. */
async function openIdle(
  n: number,
  port: number,
  request: string,
  body: string,
): Promise<Deno.TcpConn[]> {
  const conns: Deno.TcpConn[] = [];
  for (let i = 0; i < n; i += BATCH) {
    const batch = Math.min(BATCH, n - i);
    conns.push(
      ...await Promise.all(Array.from({ length: batch }, () => oneRequest(port, request, body))),
    );
  }
  return conns;
}

async function measure(
  config: string,
  port: number,
  exchange: { request: string; body: string; sockets: number },
) {
  const { request, body } = exchange;
  const bound = MAX_KIB_PER_SOCKET * exchange.sockets;
  const dir = await tempDir();
  const inst = await startInstance(dir.path, config);
  const conns: Deno.TcpConn[] = [];
  try {
    // Warm-up: code paths compiled, pools and the upstream connection made, and enough
    // requests that the JS heap's young generation stops growing with each one's garbage
    // (else 1000 requests alone add ~9 MiB): what grows after is what idle clients hold.
    const warm = await openIdle(WARM_CLIENTS, port, request, body);
    conns.push(...warm);
    await Promise.all(warm.map(async (c) => {
      for (let i = 0; i < WARM_REQUESTS; i++) await ask(c, request, body);
    }));
    // A first batch, not counted: the JS heap grows to hold that many clients' objects (a
    // step whose size depends on when the collector runs); the second batch shows the slope.
    conns.push(...await openIdle(CLIENTS, port, request, body));
    const before = rssKib(inst.process.pid);
    conns.push(...await openIdle(CLIENTS, port, request, body));
    const after = rssKib(inst.process.pid);
    const perClient = (after - before) / CLIENTS;
    assert.ok(
      perClient < bound,
      `${perClient.toFixed(1)} KiB per idle client (${before} -> ${after} KiB), bound ${bound}`,
    );
  } finally {
    for (const c of conns) closeQuietly(c);
    await inst.kill();
    await dir.cleanup();
  }
}

Deno.test("[http] an idle keep-alive client holds no read buffer: RSS grows < 16 KiB per client", async () => {
  const origin = startOrigin("idle");
  const port = freePort();
  try {
    await measure(
      `
[[http.server]]
bind_addr = "127.0.0.1:${port}"
[[http.server.location]]
rule = "/"
proxy_url = "http://127.0.0.1:${origin.port}"
`,
      port,
      { request: "GET / HTTP/1.1\r\nHost: idle.test\r\n\r\n", body: "idle /", sockets: 1 },
    );
  } finally {
    await origin.close();
  }
});

Deno.test("[proxy] an idle keep-alive proxy client (and its upstream) holds no read buffer: RSS grows < 32 KiB", async () => {
  const origin = startOrigin("idle");
  const port = freePort();
  try {
    await measure(
      `
[proxy]
bind_addr = "127.0.0.1:${port}"
`,
      port,
      {
        request:
          `GET http://127.0.0.1:${origin.port}/ HTTP/1.1\r\nHost: 127.0.0.1:${origin.port}\r\n\r\n`,
        body: "idle /",
        sockets: 2,
      },
    );
  } finally {
    await origin.close();
  }
});
