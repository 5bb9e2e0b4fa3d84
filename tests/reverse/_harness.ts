/**
 * Helpers for the reverse-proxy tests: `ReverseOptions` built by hand, `ReverseProxy` on an
 * in-process accept loop, and a raw TCP origin that records the requests it parses.
 */
import { HealthRegistry } from "../../lib/balancer/health.ts";
import { setupLogging } from "../../lib/log/setup.ts";
import { CidrSet } from "../../lib/net/cidr.ts";
import { ReverseProxy } from "../../lib/reverse/service.ts";
import type {
  BalanceMethod,
  HeaderRule,
  LocationAction,
  LocationMatcher,
  ReverseLocation,
  ReverseOptions,
  ReverseServer,
  ReverseTimeouts,
  ReverseUpstream,
  ReverseUpstreamServer,
} from "../../lib/reverse/types.ts";
import { acceptLoop } from "../_support/accept.ts";
import { concat, decoder, encoder } from "../_support/bytes.ts";
import { writeAll } from "../_support/io.ts";

if (Deno.env.get("WMPROXY_TEST_LOG")) await setupLogging({ level: "debug" });

/** Test-friendly timeouts; override per test. */
export function timeouts(overrides: Partial<ReverseTimeouts> = {}): ReverseTimeouts {
  return {
    proxyConnect: 2000,
    proxyRead: 10_000,
    proxyWrite: 10_000,
    clientRead: 10_000,
    clientWrite: 10_000,
    clientKeepAlive: 30_000,
    ...overrides,
  };
}

/** An upstream server on 127.0.0.1 (or `hostname`) at `port`. */
export function upstreamServer(
  port: number,
  overrides: Partial<ReverseUpstreamServer> = {},
): ReverseUpstreamServer {
  const hostname = overrides.hostname ?? "127.0.0.1";
  return {
    addr: hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`,
    hostname,
    port,
    weight: 100,
    fail_timeout: 30,
    fall_times: 2,
    rise_times: 2,
    ...overrides,
  };
}

/** An upstream over `servers` (ports or server objects). */
export function upstream(
  name: string,
  servers: readonly (number | ReverseUpstreamServer)[],
  overrides: Partial<ReverseUpstream> = {},
): ReverseUpstream {
  return {
    name,
    servers: servers.map((s) => typeof s === "number" ? upstreamServer(s) : s),
    method: { kind: "round_robin" } as BalanceMethod,
    healthCheck: null,
    ...overrides,
  };
}

/** A location matching `rule`: `/x` prefix, `~ re` regex, `* glob`, `@name` named. */
export function location(
  rule: string,
  action: LocationAction,
  overrides: Partial<ReverseLocation> = {},
): ReverseLocation {
  return {
    rule,
    matcher: matcher(rule),
    methods: null,
    action,
    headers: [],
    allow: null,
    deny: null,
    timeouts: timeouts(),
    ...overrides,
  };
}

function matcher(rule: string): LocationMatcher {
  if (rule.startsWith("@")) return { kind: "named", name: rule.slice(1) };
  if (rule.startsWith("~ ")) {
    return { kind: "regex", pattern: new RegExp(rule.slice(2)), source: rule.slice(2) };
  }
  if (rule.startsWith("* ")) {
    const glob = rule.slice(2);
    const re = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*\*/g, "§")
      .replace(/\*/g, "[^/]*").replace(/§/g, ".*").replace(/\?/g, "[^/]");
    return { kind: "glob", pattern: new RegExp(`^${re}$`), source: glob };
  }
  return { kind: "prefix", prefix: rule };
}

/** The `proxy` action. */
export function proxyTo(up: ReverseUpstream, hostHeader: string | null = null): LocationAction {
  return { kind: "proxy", upstream: up, hostHeader };
}

/** The `static` action. */
export function staticBody(body: string, status = 200): LocationAction {
  return { kind: "static", body, status };
}

/** A server with `names` and `locations`. */
export function server(
  names: readonly string[],
  locations: readonly ReverseLocation[],
  overrides: Partial<ReverseServer> = {},
): ReverseServer {
  return {
    names,
    locations,
    headers: [],
    allow: null,
    deny: null,
    timeouts: timeouts(),
    ...overrides,
  };
}

/** Parsed header rules from wmproxy's strings: `proxy N V`, `+ N V`, `- N`, `N V`. */
export function rules(...lines: string[]): HeaderRule[] {
  return lines.map((line) => {
    const [a, b, ...rest] = line.split(" ");
    if (a === "proxy") return { op: "proxy", name: b, value: rest.join(" ") };
    if (a === "+") return { op: "add", name: b, value: rest.join(" ") };
    if (a === "-") return { op: "remove", name: b, value: "" };
    return { op: "set", name: a, value: [b, ...rest].join(" ") };
  });
}

/** A CIDR set, or a thrown error for a bad entry. */
export function cidr(...entries: string[]): CidrSet {
  const set = CidrSet.parse(entries);
  if (!(set instanceof CidrSet)) throw new Error(`bad cidr ${set.invalid}`);
  return set;
}

/** The proxy on a loopback port. */
export interface TestReverse {
  readonly proxy: ReverseProxy;
  readonly port: number;
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Client connections accepted so far. */
  accepted(): number;
  /** Stops listening, closes client connections, waits for every handler, closes the proxy. */
  close(): Promise<void>;
}

/** Runs `ReverseProxy` on `Deno.listen` in this process. */
export function startReverse(
  options: ReverseOptions,
  hostname = "127.0.0.1",
  health: HealthRegistry = new HealthRegistry(),
): TestReverse {
  const proxy = new ReverseProxy("test", options, health);
  const loop = acceptLoop(Deno.listen({ hostname, port: 0 }), (conn) => proxy.handle(conn));
  const { port } = loop;
  return {
    proxy,
    port,
    url: hostname.includes(":") ? `http://[${hostname}]:${port}` : `http://${hostname}:${port}`,
    accepted: loop.accepted,
    async close() {
      await loop.close();
      proxy.tracker.closeAll();
      await loop.settled();
      await proxy.close();
    },
  };
}

/** Options with one server whose locations are given. */
export function options(
  locations: readonly ReverseLocation[],
  overrides: Partial<ReverseServer> = {},
): ReverseOptions {
  return { servers: [server([], locations, overrides)], tls: false };
}

/** One request a raw origin parsed (its head as text, its body bytes). */
export interface RawRequest {
  readonly head: string;
  readonly requestLine: string;
  readonly body: Uint8Array;
  /** Which accepted connection (0-based) it came on. */
  readonly conn: number;
}

/** What a raw origin does with a request: the bytes to answer, or null to close. */
export type RawHandler = (
  req: RawRequest,
  conn: Deno.TcpConn,
) => Uint8Array | string | null | Promise<Uint8Array | string | null>;

/** A raw TCP origin reading simple HTTP/1.1 requests (Content-Length or chunked bodies). */
export interface RawOrigin {
  readonly port: number;
  readonly requests: RawRequest[];
  /** Connections accepted. */
  accepted(): number;
  /** Connections the proxy closed (or that ended). */
  ended(): number;
  /** Closes every open connection (the listener stays). */
  dropConnections(): void;
  close(): Promise<void>;
}

/**
 * Starts a raw origin: parses each request just enough (head, then Content-Length or
 * chunked body, passing through `Expect: 100-continue` when `continue100`) and writes what
 * `handler` returns. With `answerBeforeBody` it answers right after the head and closes.
 */
export function startRawOrigin(
  handler: RawHandler,
  options: { continue100?: boolean; answerBeforeBody?: boolean } = {},
): RawOrigin {
  const requests: RawRequest[] = [];
  let ended = 0;
  const serve = async (conn: Deno.TcpConn, index: number) => {
    const r = new RawReader(conn);
    try {
      while (true) {
        const head = await r.readHead();
        if (head === null) return;
        const lines = head.split("\r\n");
        const headers = new Map<string, string>();
        for (const l of lines.slice(1)) {
          const c = l.indexOf(":");
          if (c > 0) headers.set(l.slice(0, c).trim().toLowerCase(), l.slice(c + 1).trim());
        }
        if (options.continue100 && headers.get("expect")?.toLowerCase() === "100-continue") {
          await writeAll(conn, "HTTP/1.1 100 Continue\r\n\r\n");
        }
        let body: Uint8Array = new Uint8Array(0);
        if (options.answerBeforeBody) {
          // Answer at once, leave the body unread, close.
          const req = { head, requestLine: lines[0], body, conn: index };
          requests.push(req);
          const answer = await handler(req, conn);
          if (answer !== null) {
            await writeAll(conn, answer);
          }
          return;
        }
        if (headers.get("transfer-encoding")?.toLowerCase().includes("chunked")) {
          body = await r.readChunked();
        } else if (headers.has("content-length")) {
          body = await r.readExactly(Number(headers.get("content-length")));
        }
        const req = { head, requestLine: lines[0], body, conn: index };
        requests.push(req);
        const answer = await handler(req, conn);
        if (answer === null) return;
        await writeAll(conn, answer);
      }
    } catch {
      // the proxy went away
    } finally {
      ended++;
    }
  };
  const loop = acceptLoop(Deno.listen({ hostname: "127.0.0.1", port: 0 }), serve);
  return {
    port: loop.port,
    requests,
    accepted: loop.accepted,
    ended: () => ended,
    dropConnections: loop.dropConnections,
    close: () => loop.close(true),
  };
}

/** A simple buffered reader for the raw origin and raw clients. */
export class RawReader {
  #conn: Deno.Conn;
  #buf = new Uint8Array(0);

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  async #fill(): Promise<boolean> {
    const chunk = new Uint8Array(65536);
    const n = await this.#conn.read(chunk);
    if (n === null) return false;
    const next = new Uint8Array(this.#buf.length + n);
    next.set(this.#buf);
    next.set(chunk.subarray(0, n), this.#buf.length);
    this.#buf = next;
    return true;
  }

  /** The next head (without the final CRLF CRLF), or null at a clean end. */
  async readHead(): Promise<string | null> {
    while (true) {
      const text = decoder.decode(this.#buf);
      const end = text.indexOf("\r\n\r\n");
      if (end >= 0) {
        const headLen = encoder.encode(text.slice(0, end + 4)).length;
        this.#buf = this.#buf.slice(headLen);
        return text.slice(0, end);
      }
      if (!(await this.#fill())) {
        if (this.#buf.length === 0) return null;
        throw new Error("closed inside a head");
      }
    }
  }

  /** Exactly `n` bytes. */
  async readExactly(n: number): Promise<Uint8Array> {
    while (this.#buf.length < n) {
      if (!(await this.#fill())) throw new Error("closed inside a body");
    }
    const out = this.#buf.slice(0, n);
    this.#buf = this.#buf.slice(n);
    return out;
  }

  /** One CRLF-terminated line, without the CRLF. */
  async readLine(): Promise<string> {
    while (true) {
      const i = this.#buf.indexOf(0x0a);
      if (i >= 0) {
        const line = decoder.decode(this.#buf.subarray(0, i)).replace(/\r$/, "");
        this.#buf = this.#buf.slice(i + 1);
        return line;
      }
      if (!(await this.#fill())) throw new Error("closed inside a line");
    }
  }

  /** A chunked body's data (trailers skipped). */
  async readChunked(): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    while (true) {
      const size = parseInt((await this.readLine()).split(";")[0], 16);
      if (!(size >= 0)) throw new Error("bad chunk size");
      if (size === 0) {
        while ((await this.readLine()) !== "");
        break;
      }
      parts.push(await this.readExactly(size));
      await this.readExactly(2);
    }
    return concat(...parts);
  }

  /** Bytes buffered beyond what was read. */
  get buffered(): number {
    return this.#buf.length;
  }
}

/** An HTTP/1.1 response with a text body. */
export function textResponse(
  body: string,
  status = 200,
  extra: readonly string[] = [],
): string {
  const bytes = encoder.encode(body);
  return `HTTP/1.1 ${status} X\r\nContent-Length: ${bytes.length}\r\n${
    extra.map((h) => `${h}\r\n`).join("")
  }\r\n${body}`;
}
