/**
 * Shared helpers for end-to-end tests: free ports, echo backends, and `main.ts` spawned the
 * way a user runs it, with its log lines available to wait on.
 */
const ROOT = new URL("../../", import.meta.url);
/** Absolute path of main.ts. */
export const MAIN = new URL("main.ts", ROOT).pathname;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A loopback port that was free a moment ago. */
export function freePort(hostname = "127.0.0.1"): number {
  const l = Deno.listen({ hostname, port: 0 });
  const { port } = l.addr as Deno.NetAddr;
  l.close();
  return port;
}

/** A TCP server in this process; `close()` stops it and closes its open connections. */
export interface TestServer {
  readonly port: number;
  readonly accepted: () => number;
  close(): Promise<void>;
}

/**
 * Starts a TCP server on 127.0.0.1 (port 0 unless given). With no `onConn` it echoes every
 * byte and half-closes when the client does.
 */
export function startServer(
  onConn: (conn: Deno.TcpConn) => Promise<void> = echo,
  port = 0,
  hostname = "127.0.0.1",
): TestServer {
  const listener = Deno.listen({ hostname, port });
  const open = new Set<Deno.TcpConn>();
  let accepted = 0;
  const loop = (async () => {
    for await (const conn of listener) {
      accepted++;
      open.add(conn);
      onConn(conn).catch(() => {}).finally(() => {
        open.delete(conn);
        try {
          conn.close();
        } catch {
          // closed already
        }
      });
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    accepted: () => accepted,
    async close() {
      listener.close();
      for (const c of open) {
        try {
          c.close();
        } catch {
          // closed already
        }
      }
      await loop;
    },
  };
}

/** Echoes until EOF, then half-closes. */
export async function echo(conn: Deno.TcpConn): Promise<void> {
  const buf = new Uint8Array(65536);
  while (true) {
    const n = await conn.read(buf);
    if (n === null) break;
    let off = 0;
    while (off < n) off += await conn.write(buf.subarray(off, n));
  }
  await conn.closeWrite();
}

/** Replies with `tag` and closes: lets a test see which backend a connection reached. */
export function tagged(tag: string): (conn: Deno.TcpConn) => Promise<void> {
  return async (conn) => {
    await writeAll(conn, encoder.encode(tag));
    await conn.closeWrite();
    const buf = new Uint8Array(1024);
    while ((await conn.read(buf)) !== null) {
      // drain until the client closes
    }
  };
}

/** Writes every byte. */
export async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) off += await conn.write(data.subarray(off));
}

/** Reads until EOF. */
export async function readAll(conn: Deno.Conn): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(65536);
  let total = 0;
  while (true) {
    const n = await conn.read(buf);
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

/** Reads exactly `n` bytes (throws on early EOF). */
export async function readExactly(conn: Deno.Conn, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let off = 0;
  while (off < n) {
    const got = await conn.read(out.subarray(off));
    if (got === null) throw new Error(`EOF after ${off} of ${n} bytes`);
    off += got;
  }
  return out;
}

/** Connects to `port`, sends `payload`, half-closes, returns everything received. */
export async function roundTrip(port: number, payload: Uint8Array): Promise<Uint8Array> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const [, got] = await Promise.all([
      writeAll(conn, payload).then(() => conn.closeWrite()),
      readAll(conn),
    ]);
    return got;
  } finally {
    conn.close();
  }
}

/** Random bytes of any length (crypto.getRandomValues is limited to 64 KiB per call). */
export function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let off = 0; off < n; off += 65536) {
    crypto.getRandomValues(out.subarray(off, Math.min(n, off + 65536)));
  }
  return out;
}

/** A temporary directory removed by `cleanup()`. */
export async function tempDir(): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await Deno.makeTempDir({ prefix: "wmproxy-test-" });
  return { path, cleanup: () => Deno.remove(path, { recursive: true }).catch(() => {}) };
}

/** Runs main.ts to completion: exit code and output. */
export async function runMain(
  args: string[],
  cwd?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** A running `main.ts run -c FILE`. */
export class Instance {
  readonly process: Deno.ChildProcess;
  readonly configPath: string;
  /** Every stderr line so far. */
  readonly lines: string[] = [];
  #waiters: { re: RegExp; from: number; resolve: (l: string) => void }[] = [];
  #closed = false;
  readonly #done: Promise<void>;

  /**
   * @param configPath the config file, run as `main.ts run -c configPath ...args`; when empty,
   *   `args` is the whole command line (e.g. `["proxy", "-b", ...]`)
   * @param args further arguments
   * @param env environment variables added to the child's (e.g. `DENO_CERT`)
   */
  constructor(configPath: string, args: string[] = [], env: Record<string, string> = {}) {
    this.configPath = configPath;
    const argv = configPath ? ["run", "-c", configPath, ...args] : args;
    this.process = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, ...argv],
      env,
      stdout: "null",
      stderr: "piped",
      stdin: "null",
    }).spawn();
    this.#done = this.#collect();
  }

  async #collect(): Promise<void> {
    let rest = "";
    for await (const chunk of this.process.stderr.pipeThrough(new TextDecoderStream())) {
      rest += chunk;
      let i;
      while ((i = rest.indexOf("\n")) >= 0) {
        const line = rest.slice(0, i);
        rest = rest.slice(i + 1);
        this.lines.push(line);
        if (Deno.env.get("WMPROXY_TEST_LOG")) console.error(`[main] ${line}`);
        this.#waiters = this.#waiters.filter((w) => {
          if (!w.re.test(line)) return true;
          w.resolve(line);
          return false;
        });
      }
    }
    this.#closed = true;
    for (const w of this.#waiters) w.resolve("");
  }

  /** Resolves with the first line (from index `from` on) matching `re`; rejects on exit or timeout. */
  waitFor(re: RegExp, from = 0, timeoutMs = 20_000): Promise<string> {
    const hit = this.lines.slice(from).find((l) => re.test(l));
    if (hit !== undefined) return Promise.resolve(hit);
    if (this.#closed) return Promise.reject(new Error(`exited before ${re}:\n${this.log()}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no line matching ${re} within ${timeoutMs} ms:\n${this.log()}`)),
        timeoutMs,
      );
      this.#waiters.push({
        re,
        from,
        resolve: (l) => {
          clearTimeout(timer);
          if (l === "") reject(new Error(`exited before ${re}:\n${this.log()}`));
          else resolve(l);
        },
      });
    });
  }

  /** Waits until the instance logged that it is ready. */
  ready(): Promise<string> {
    return this.waitFor(/ready: \d+ listeners/);
  }

  /** The collected log, for failure messages. */
  log(): string {
    return this.lines.join("\n");
  }

  /** Waits for the process to exit on its own. */
  async exited(): Promise<Deno.CommandStatus> {
    const status = await this.process.status;
    await this.#done;
    return status;
  }

  /** Kills the process (if still running) and waits for it. */
  async kill(): Promise<void> {
    try {
      this.process.kill("SIGKILL");
    } catch {
      // already gone
    }
    await this.exited();
  }
}

/** Writes `config` to a file in `dir` and starts `main.ts run -c` on it, waiting until ready. */
export async function startInstance(
  dir: string,
  config: string,
  args: string[] = [],
  name = "wmproxy.toml",
  env: Record<string, string> = {},
): Promise<Instance> {
  const path = `${dir}/${name}`;
  await Deno.writeTextFile(path, config);
  const inst = new Instance(path, args, env);
  try {
    await inst.ready();
  } catch (e) {
    await inst.kill();
    throw e;
  }
  return inst;
}

/** Starts `main.ts` with a whole command line (no config file) and waits until ready. */
export async function startCommand(
  args: string[],
  env: Record<string, string> = {},
): Promise<Instance> {
  const inst = new Instance("", args, env);
  try {
    await inst.ready();
  } catch (e) {
    await inst.kill();
    throw e;
  }
  return inst;
}

/** Calls a control endpoint verb; returns status and JSON body. */
export async function control(
  base: string,
  verb: string,
  init: RequestInit = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}/${verb}`, { method: "POST", ...init });
  return { status: res.status, body: await res.json() };
}

/** Whether a TCP connect to 127.0.0.1:`port` is refused. */
export async function refuses(port: number): Promise<boolean> {
  try {
    const c = await Deno.connect({ hostname: "127.0.0.1", port });
    c.close();
    return false;
  } catch (e) {
    if (e instanceof Deno.errors.ConnectionRefused) return true;
    throw e;
  }
}

export { decoder, encoder };

/** A UDP server in this process that answers each datagram with `tag` + the datagram. */
export interface UdpTestServer {
  readonly port: number;
  /** Datagrams received so far. */
  readonly received: () => number;
  /** Distinct client addresses (host:port) seen. */
  readonly peers: () => Set<string>;
  close(): Promise<void>;
}

/** Starts a UDP echo on 127.0.0.1:0; replies are `tag` followed by the payload. */
export function startUdpEcho(tag = ""): UdpTestServer {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const prefix = encoder.encode(tag);
  const peers = new Set<string>();
  let received = 0;
  const loop = (async () => {
    const buf = new Uint8Array(65536);
    while (true) {
      const [data, from] = await socket.receive(buf);
      received++;
      const addr = from as Deno.NetAddr;
      peers.add(`${addr.hostname}:${addr.port}`);
      const out = new Uint8Array(prefix.length + data.length);
      out.set(prefix);
      out.set(data, prefix.length);
      await socket.send(out, from);
    }
  })().catch(() => {});
  return {
    port: (socket.addr as Deno.NetAddr).port,
    received: () => received,
    peers: () => peers,
    async close() {
      socket.close();
      await loop;
    },
  };
}

/** A UDP client socket with a request/reply helper that fails after `timeoutMs`. */
export class UdpClient {
  readonly socket: Deno.DatagramConn = Deno.listenDatagram({
    transport: "udp",
    hostname: "127.0.0.1",
    port: 0,
  });
  readonly #buf = new Uint8Array(65536);

  /** Sends `payload` to 127.0.0.1:`port` and returns the next datagram received. */
  async ask(port: number, payload: Uint8Array, timeoutMs = 3000): Promise<Uint8Array> {
    await this.socket.send(payload, { transport: "udp", hostname: "127.0.0.1", port });
    return await this.next(timeoutMs);
  }

  /** The next datagram received, or an error after `timeoutMs`. */
  async next(timeoutMs = 3000): Promise<Uint8Array> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no reply within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const [data] = await Promise.race([this.socket.receive(this.#buf), timeout]);
      return data.slice();
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.socket.close();
  }
}
