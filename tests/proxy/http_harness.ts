/**
 * Helpers for the HTTP proxy tests: the handler on a real listener in this process, origin
 * servers, curl run the way a user runs it, raw sockets for malformed input, and a throwaway
 * certificate authority for https targets.
 */
import { handleHttpProxy } from "../../lib/proxy/http/server.ts";
import type { ForwardProxyOptions, ProxyConnContext } from "../../lib/proxy/types.ts";
import { setupLogging } from "../../lib/log/setup.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

if (Deno.env.get("WMPROXY_TEST_LOG")) await setupLogging({ level: "debug" });

/** Options with test-friendly timeouts; override per test. */
export function proxyOptions(overrides: Partial<ForwardProxyOptions> = {}): ForwardProxyOptions {
  return {
    http: true,
    https: true,
    socks5: true,
    credentials: null,
    allow: null,
    deny: null,
    connectTimeout: 5000,
    handshakeTimeout: 5000,
    idleTimeout: 30_000,
    ...overrides,
  };
}

/** The handler listening on a loopback port. */
export interface TestProxy {
  readonly port: number;
  /** `http://127.0.0.1:PORT` (or `[::1]`), for curl's `-x`. */
  readonly url: string;
  /** Client connections accepted so far. */
  accepted(): number;
  /** Upstream sockets the handler registered with `ctx.track` and has not unregistered. */
  readonly tracked: Set<unknown>;
  /** Resolves once every handler call so far has returned. */
  settled(): Promise<void>;
  /** Stops listening, closes open client connections, waits for every handler to return. */
  close(): Promise<void>;
}

/**
 * Starts `handleHttpProxy` the way the proxy listener runs it: accept, read the first chunk,
 * hand over connection, chunk and a context.
 */
export function startProxy(
  overrides: Partial<ForwardProxyOptions> = {},
  hostname = "127.0.0.1",
): TestProxy {
  const options = proxyOptions(overrides);
  const listener = Deno.listen({ hostname, port: 0 });
  const open = new Set<Deno.TcpConn>();
  const running = new Set<Promise<void>>();
  const tracked = new Set<unknown>();
  let accepted = 0;
  let nextId = 1;
  const serve = async (conn: Deno.TcpConn) => {
    try {
      const buf = new Uint8Array(4096);
      const n = await conn.read(buf);
      if (n === null) return;
      const ctx: ProxyConnContext = {
        id: nextId++,
        peer: conn.remoteAddr,
        local: conn.localAddr,
        options,
        track: (c) => tracked.add(c),
        untrack: (c) => tracked.delete(c),
      };
      await handleHttpProxy(conn, buf.slice(0, n), ctx);
    } catch {
      // a reset before the first byte
    } finally {
      open.delete(conn);
      try {
        conn.close();
      } catch {
        // the handler closed it
      }
    }
  };
  const loop = (async () => {
    for await (const conn of listener) {
      accepted++;
      open.add(conn);
      const p = serve(conn);
      running.add(p);
      p.finally(() => running.delete(p));
    }
  })().catch(() => {});
  const { port } = listener.addr as Deno.NetAddr;
  return {
    port,
    url: hostname.includes(":") ? `http://[${hostname}]:${port}` : `http://${hostname}:${port}`,
    accepted: () => accepted,
    tracked,
    async settled() {
      while (running.size > 0) await Promise.all(running);
    },
    async close() {
      listener.close();
      await loop;
      for (const c of open) {
        try {
          c.close();
        } catch {
          // closed already
        }
      }
      while (running.size > 0) await Promise.all(running);
    },
  };
}

/** What an origin saw of one request. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Headers;
  /** The client (proxy) side port, to tell upstream connections apart. */
  readonly remotePort: number;
  /** SHA-256 of the body, hex, and its length. */
  readonly bodyHash: string;
  readonly bodyLength: number;
}

/** An HTTP origin (`Deno.serve`) recording what it receives. */
export interface TestOrigin {
  readonly port: number;
  readonly seen: SeenRequest[];
  close(): Promise<void>;
}

/**
 * Starts `Deno.serve` on `hostname:0`. Every request whose body arrives complete is recorded
 * (with the body hashed) and answered by `respond`, by default `tag path`.
 */
export function startOrigin(
  tag: string,
  respond?: (req: Request, seen: SeenRequest) => Response | Promise<Response>,
  hostname = "127.0.0.1",
  tls?: { cert: string; key: string },
): TestOrigin {
  const seen: SeenRequest[] = [];
  const ac = new AbortController();
  const server = Deno.serve(
    { hostname, port: 0, signal: ac.signal, onListen() {}, ...(tls ?? {}) },
    async (req, info) => {
      let body: Uint8Array;
      try {
        body = new Uint8Array(await req.arrayBuffer());
      } catch {
        // The proxy cut the request body off (as it must for a malformed one): not recorded.
        return new Response("incomplete body", { status: 400 });
      }
      const entry: SeenRequest = {
        method: req.method,
        url: req.url,
        headers: req.headers,
        remotePort: (info.remoteAddr as Deno.NetAddr).port,
        bodyHash: await sha256(body),
        bodyLength: body.length,
      };
      seen.push(entry);
      if (respond) return await respond(req, entry);
      return new Response(`${tag} ${new URL(req.url).pathname}`);
    },
  );
  return {
    port: server.addr.port,
    seen,
    async close() {
      ac.abort();
      await server.finished;
    },
  };
}

/** SHA-256 of bytes, hex. */
export async function sha256(data: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Runs curl with a clean environment (no proxy variables), silent but showing errors. */
export async function curl(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command("curl", {
    args: ["-sS", "--max-time", "30", ...args],
    clearEnv: true,
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", HOME: "/nonexistent" },
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** A good request through the proxy that must succeed: the proxy is still serving. */
export async function assertServing(proxy: TestProxy, origin: TestOrigin): Promise<void> {
  const r = await curl(["-x", proxy.url, `http://127.0.0.1:${origin.port}/still-serving`]);
  if (r.code !== 0 || !r.stdout.endsWith(" /still-serving")) {
    throw new Error(`proxy stopped serving: curl exit ${r.code}, ${r.stdout} ${r.stderr}`);
  }
}

/** Writes every byte. */
export async function writeAll(conn: Deno.Conn, data: Uint8Array | string): Promise<void> {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  let off = 0;
  while (off < bytes.length) off += await conn.write(bytes.subarray(off));
}

/** Reads until the peer closes (or resets); returns what arrived. */
export async function readToEnd(conn: Deno.Conn): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(65536);
  let total = 0;
  while (true) {
    let n: number | null;
    try {
      n = await conn.read(buf);
    } catch {
      break; // reset
    }
    if (n === null) break;
    chunks.push(buf.slice(0, n));
    total += n;
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

/** Reads until `text` has arrived (or the peer closes); returns everything read so far. */
export async function readUntil(conn: Deno.Conn, text: string): Promise<string> {
  let got = "";
  const buf = new Uint8Array(65536);
  while (!got.includes(text)) {
    const n = await conn.read(buf);
    if (n === null) break;
    got += decoder.decode(buf.subarray(0, n));
  }
  return got;
}

/**
 * Sends raw bytes to the proxy (writing concurrently with reading, so a large payload cannot
 * deadlock), then reads the answer until the proxy closes. Returns the answer as text.
 */
export async function rawExchange(port: number, payload: Uint8Array | string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const writing = writeAll(conn, payload).catch(() => {});
    const answer = await readToEnd(conn);
    await writing;
    return decoder.decode(answer);
  } finally {
    conn.close();
  }
}

/** A temporary directory removed by `cleanup()`. */
export async function tempDir(): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await Deno.makeTempDir({ prefix: "wmproxy-http-test-" });
  return { path, cleanup: () => Deno.remove(path, { recursive: true }).catch(() => {}) };
}

/** Random bytes of any length. */
export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  for (let off = 0; off < n; off += 65536) {
    crypto.getRandomValues(out.subarray(off, Math.min(n, off + 65536)));
  }
  return out;
}

/** A CA and a leaf certificate for `localhost` and 127.0.0.1, made with openssl. */
export interface TestCerts {
  readonly caPath: string;
  readonly cert: string;
  readonly key: string;
}

/** Generates a throwaway CA and a `localhost` leaf signed by it into `dir`. */
export async function makeCerts(dir: string): Promise<TestCerts> {
  const run = async (args: string[]) => {
    const out = await new Deno.Command("openssl", {
      args,
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    })
      .output();
    if (out.code !== 0) {
      throw new Error(`openssl ${args[0]} failed: ${decoder.decode(out.stderr)}`);
    }
  };
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await run([
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=wmproxy test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]); // deno-fmt-ignore
  await run(["req", ...ec, "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=localhost"]);
  await Deno.writeTextFile(
    `${dir}/leaf.ext`,
    "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n" +
      "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
  );
  await run([
    "x509",
    "-req",
    "-in",
    "leaf.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "leaf.pem",
    "-days",
    "2",
    "-extfile",
    "leaf.ext",
  ]); // deno-fmt-ignore
  return {
    caPath: `${dir}/ca.pem`,
    cert: await Deno.readTextFile(`${dir}/leaf.pem`),
    key: await Deno.readTextFile(`${dir}/leaf.key`),
  };
}

export { decoder, encoder };
