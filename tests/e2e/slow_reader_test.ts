/**
 * A client that stops reading costs the proxy a bounded window, on every path that relays a
 * body: the origin, writing 256 MiB as fast as it can, stalls having written a small part of
 * it (backpressure reached it through the proxy), the proxy's RSS grows by less than
 * {@link MAX_GROWTH_KIB}, and once the client reads again the origin writes again.
 */
import assert from "node:assert/strict";
import { encoder } from "../_support/bytes.ts";
import {
  type Flood,
  type FloodOrigin,
  getRequest,
  rssKib,
  startFloodOrigin,
  startWsFloodOrigin,
  waitForStall,
} from "../_support/flood.ts";
import { closeQuietly, readExactly, readHead, writeAll } from "../_support/io.ts";
import { freePort } from "../_support/ports.ts";
import { startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";

/** What the origin wants to write: far above what loopback socket buffers hold (tcp_rmem max 32 MiB). */
const TOTAL = 256 * 1024 * 1024;
/** The origin must stall before writing this much. */
const MAX_WRITTEN = TOTAL / 4;
/** The proxy's RSS may grow at most this much while the client does not read. */
const MAX_GROWTH_KIB = 16 * 1024;
/** The client reads this much, then stops. */
const FIRST_READ = 1024;

/** The client side of one case: reads into its own buffer, 0 at the end. */
interface SlowClient {
  read(max: number): Promise<number>;
  close(): void;
}

interface Case {
  /** The config of main.ts: `port` is its listener, `origin` the flood origin's port. */
  config(port: number, origin: number): string;
  /** Starts the origin. */
  origin(): FloodOrigin;
  /** Connects through main.ts to the origin (handshakes included). */
  connect(port: number, origin: number): Promise<SlowClient>;
}

/** A client on a TCP connection, after `hello` was written (and a reply head read, if asked). */
async function tcpClient(port: number, hello?: Uint8Array, head = false): Promise<SlowClient> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  if (hello) await writeAll(conn, hello);
  if (head) assert.match(new TextDecoder().decode(await readHead(conn)), /^HTTP\/1\.1 200 /);
  return conn2client(conn);
}

function conn2client(conn: Deno.Conn): SlowClient {
  const buf = new Uint8Array(64 * 1024);
  return {
    read: async (max) => (await conn.read(buf.subarray(0, Math.min(max, buf.length)))) ?? 0,
    close: () => closeQuietly(conn),
  };
}

async function runCase(name: string, c: Case): Promise<void> {
  const dir = await tempDir();
  const origin = c.origin();
  const port = freePort();
  const inst = await startInstance(dir.path, c.config(port, origin.port));
  let client: SlowClient | undefined;
  try {
    const pid = inst.process.pid;
    const before = rssKib(pid);
    client = await c.connect(port, origin.port);
    const flood: Flood = await origin.first;
    let got = 0;
    while (got < FIRST_READ) {
      const n = await client.read(FIRST_READ - got);
      assert.ok(n > 0, "the first bytes arrive");
      got += n;
    }
    const stalledAt = await waitForStall(flood);
    const growth = rssKib(pid) - before;
    if (Deno.env.get("WMPROXY_SLOW_FIGURES")) {
      console.error(
        `${name}: origin stalled after ${(stalledAt / 2 ** 20).toFixed(1)} MiB, ` +
          `proxy RSS +${(growth / 1024).toFixed(1)} MiB`,
      );
    }
    assert.ok(
      stalledAt < MAX_WRITTEN,
      `${name}: the origin wrote ${stalledAt} bytes before stalling (bound ${MAX_WRITTEN})`,
    );
    assert.ok(
      growth < MAX_GROWTH_KIB,
      `${name}: the proxy's RSS grew by ${growth} KiB (bound ${MAX_GROWTH_KIB} KiB)`,
    );
    // Paused, not broken: reading again lets the origin write again.
    while (flood.written <= stalledAt) {
      assert.ok((await client.read(64 * 1024)) > 0, `${name}: the connection still delivers`);
    }
    assert.equal(flood.ended, undefined, `${name}: the origin's connection is still open`);
  } finally {
    client?.close();
    await inst.kill();
    await origin.close();
    await dir.cleanup();
  }
}

const rawOrigin = () => startFloodOrigin({ total: TOTAL });
const httpOrigin = () => startFloodOrigin({ total: TOTAL, http: true });

Deno.test("slow reader, reverse proxy: the origin stalls and the proxy's RSS stays bounded", async () => {
  await runCase("reverse", {
    config: (port, origin) => `
[[http.server]]
bind_addr = "127.0.0.1:${port}"
[[http.server.location]]
rule = "/"
proxy_url = "http://127.0.0.1:${origin}"
`,
    origin: httpOrigin,
    connect: (port) => tcpClient(port, getRequest("/", `127.0.0.1:${port}`)),
  });
});

const PROXY = (port: number) => `
[proxy]
bind_addr = "127.0.0.1:${port}"
`;

Deno.test("slow reader, forward HTTP proxy (absolute-form GET): the origin stalls, RSS bounded", async () => {
  await runCase("forward http", {
    config: PROXY,
    origin: httpOrigin,
    connect: (port, origin) =>
      tcpClient(port, getRequest(`http://127.0.0.1:${origin}/`, `127.0.0.1:${origin}`)),
  });
});

Deno.test("slow reader, CONNECT tunnel: the origin stalls, RSS bounded", async () => {
  await runCase("connect", {
    config: PROXY,
    origin: rawOrigin,
    connect: (port, origin) =>
      tcpClient(
        port,
        encoder.encode(
          `CONNECT 127.0.0.1:${origin} HTTP/1.1\r\nHost: 127.0.0.1:${origin}\r\n\r\n`,
        ),
        true,
      ),
  });
});

Deno.test("slow reader, SOCKS5 CONNECT: the origin stalls, RSS bounded", async () => {
  await runCase("socks5", {
    config: PROXY,
    origin: rawOrigin,
    connect: async (port, origin) => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      await writeAll(conn, new Uint8Array([5, 1, 0]));
      assert.deepEqual([...await readExactly(conn, 2)], [5, 0]);
      await writeAll(conn, new Uint8Array([5, 1, 0, 1, 127, 0, 0, 1, origin >> 8, origin & 255]));
      assert.equal((await readExactly(conn, 10))[1], 0, "SOCKS5 reply succeeded");
      return conn2client(conn);
    },
  });
});

Deno.test("slow reader, stream tcp: the origin stalls, RSS bounded", async () => {
  await runCase("stream tcp", {
    config: (port, origin) => `
[[stream.server]]
bind_addr = "127.0.0.1:${port}"
proxy_url = "tcp://127.0.0.1:${origin}"
`,
    origin: rawOrigin,
    connect: (port) => tcpClient(port),
  });
});

Deno.test("slow reader, ws2tcp (TCP origin → WebSocket client): the origin stalls, RSS bounded", async () => {
  await runCase("ws2tcp", {
    config: (port, origin) => `
[[stream.server]]
bind_addr = "127.0.0.1:${port}"
bind_mode = "ws2tcp"
proxy_url = "tcp://127.0.0.1:${origin}"
`,
    origin: rawOrigin,
    connect: async (port) => {
      // WebSocketStream reads a message only when asked: a client that can stop reading.
      const ws = new WebSocketStream(`ws://127.0.0.1:${port}/`);
      const reader = (await ws.opened).readable.getReader();
      let rest: Uint8Array = new Uint8Array(0);
      return {
        async read(max) {
          if (rest.length === 0) {
            const r = await reader.read();
            if (r.done) return 0;
            rest = typeof r.value === "string" ? encoder.encode(r.value) : r.value;
          }
          const n = Math.min(max, rest.length);
          rest = rest.subarray(n);
          return n;
        },
        close: () => {
          ws.close();
          ws.closed.catch(() => {});
        },
      };
    },
  });
});

Deno.test("slow reader, tcp2ws (WebSocket origin → TCP client): the origin stalls, RSS bounded", async () => {
  await runCase("tcp2ws", {
    config: (port, origin) => `
[[stream.server]]
bind_addr = "127.0.0.1:${port}"
bind_mode = "tcp2ws"
proxy_url = "ws://127.0.0.1:${origin}/"
`,
    origin: () => startWsFloodOrigin(TOTAL),
    connect: (port) => tcpClient(port),
  });
});
