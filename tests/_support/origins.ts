/**
 * Origins and backends in this process for the proxies to reach: TCP (echo, tagged, custom),
 * HTTP (`Deno.serve`, recording what it receives), raw HTTP heads, and WebSocket echo.
 * @module
 */
import { acceptLoop } from "./accept.ts";
import { decoder, encoder, sha256 } from "./bytes.ts";
import { writeAll } from "./io.ts";

/** A TCP server in this process; `close()` stops it and closes its open connections. */
export interface TestServer {
  readonly port: number;
  readonly accepted: () => number;
  close(): Promise<void>;
}

/**
 * Starts a TCP server on 127.0.0.1 (port 0 unless given). With no `onConn` it echoes every
 * byte and half-closes when the client does. Handler errors are ignored.
 */
export function startServer(
  onConn: (conn: Deno.TcpConn) => Promise<void> = echo,
  port = 0,
  hostname = "127.0.0.1",
): TestServer {
  const loop = acceptLoop(
    Deno.listen({ hostname, port }),
    (conn) => onConn(conn).catch(() => {}),
  );
  return { port: loop.port, accepted: loop.accepted, close: () => loop.close() };
}

/** Echoes until EOF, then half-closes. */
export async function echo(conn: Deno.TcpConn): Promise<void> {
  const buf = new Uint8Array(65536);
  while (true) {
    const n = await conn.read(buf);
    if (n === null) break;
    await writeAll(conn, buf.subarray(0, n));
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

/** What an HTTP origin saw of one request. */
export interface SeenRequest {
  readonly method: string;
  /** The whole URL. */
  readonly url: string;
  /** Path and query. */
  readonly path: string;
  readonly headers: Headers;
  /** The client (proxy) side port, to tell upstream connections apart. */
  readonly remotePort: number;
  /** SHA-256 of the body, hex, and its length. */
  readonly bodyHash: string;
  readonly bodyLength: number;
}

/** Where {@link startOrigin} listens. */
export interface OriginOptions {
  /** @default "127.0.0.1" */
  hostname?: string;
  /** @default 0 (any free port) */
  port?: number;
  /** Certificate and key (PEM text) to serve HTTPS. @default none (plain HTTP) */
  tls?: { cert: string; key: string };
}

/** An HTTP origin (`Deno.serve`) recording what it receives. */
export interface TestOrigin {
  readonly port: number;
  readonly tag: string;
  readonly seen: SeenRequest[];
  /** Upstream connections seen (distinct remote ports). */
  connections(): number;
  close(): Promise<void>;
}

/**
 * Starts `Deno.serve`. Every request whose body arrives complete is recorded (with the body
 * hashed) and answered by `respond`, by default `TAG PATH` (text).
 */
export function startOrigin(
  tag: string,
  respond?: (req: Request, seen: SeenRequest) => Response | Promise<Response>,
  options: OriginOptions = {},
): TestOrigin {
  const seen: SeenRequest[] = [];
  const ac = new AbortController();
  const server = Deno.serve(
    {
      hostname: options.hostname ?? "127.0.0.1",
      port: options.port ?? 0,
      signal: ac.signal,
      onListen() {},
      ...(options.tls ? { cert: options.tls.cert, key: options.tls.key } : {}),
    },
    async (req, info) => {
      let body: Uint8Array;
      try {
        body = new Uint8Array(await req.arrayBuffer());
      } catch {
        // The proxy cut the request body off (as it must for a malformed one): not recorded.
        return new Response("incomplete body", { status: 400 });
      }
      const url = new URL(req.url);
      const entry: SeenRequest = {
        method: req.method,
        url: req.url,
        path: url.pathname + url.search,
        headers: req.headers,
        remotePort: (info.remoteAddr as Deno.NetAddr).port,
        bodyHash: await sha256(body),
        bodyLength: body.length,
      };
      seen.push(entry);
      if (respond) return await respond(req, entry);
      return new Response(`${tag} ${url.pathname}`);
    },
  );
  return {
    port: server.addr.port,
    tag,
    seen,
    connections: () => new Set(seen.map((s) => s.remotePort)).size,
    async close() {
      ac.abort();
      await server.finished;
    },
  };
}

/** A raw origin that records request heads (with their blank line). */
export interface HeadOrigin {
  readonly port: number;
  readonly heads: string[];
  accepted(): number;
  close(): Promise<void>;
}

/**
 * A raw TCP origin: reads each request head (bodies are not expected) and answers it with
 * `answer(n)` for the n-th request on the connection; after `perConnection` answers it closes.
 */
export function startHeadOrigin(
  answer: (n: number) => string,
  perConnection = Infinity,
): HeadOrigin {
  const heads: string[] = [];
  const server = startServer(async (conn) => {
    let buffered = "";
    for (let n = 0; n < perConnection; n++) {
      while (!buffered.includes("\r\n\r\n")) {
        const chunk = new Uint8Array(65536);
        const got = await conn.read(chunk);
        if (got === null) return;
        buffered += decoder.decode(chunk.subarray(0, got));
      }
      const end = buffered.indexOf("\r\n\r\n") + 4;
      heads.push(buffered.slice(0, end));
      buffered = buffered.slice(end);
      await writeAll(conn, answer(n));
    }
  });
  return { port: server.port, heads, accepted: server.accepted, close: () => server.close() };
}

/** A raw origin that never answers. */
export interface SilentOrigin {
  readonly port: number;
  accepted(): number;
  /** Requests read in full (head, and a chunked body when announced). */
  received(): number;
  /** Connections the peer closed (end of stream or reset). */
  closed(): number;
  close(): Promise<void>;
}

/**
 * A raw TCP origin that reads one request per connection in full (its head, then a chunked
 * body if announced) and never answers; it counts the connections the proxy then closes.
 */
export function startSilentOrigin(): SilentOrigin {
  let received = 0;
  let closed = 0;
  const server = startServer(async (conn) => {
    let text = "";
    let counted = false;
    const chunk = new Uint8Array(65536);
    try {
      while (true) {
        const got = await conn.read(chunk);
        if (got === null) break;
        text += decoder.decode(chunk.subarray(0, got));
        const end = text.indexOf("\r\n\r\n");
        const whole = end >= 0 &&
          (!/transfer-encoding: chunked/i.test(text.slice(0, end)) || text.endsWith("0\r\n\r\n"));
        if (whole && !counted) {
          counted = true;
          received++;
        }
      }
    } catch {
      // a reset counts as a close too
    }
    closed++;
  });
  return {
    port: server.port,
    accepted: server.accepted,
    received: () => received,
    closed: () => closed,
    close: () => server.close(),
  };
}

/** A WebSocket echo origin. */
export interface WsEcho {
  readonly port: number;
  /** Path (with query) and headers of every request, upgrade or not. */
  readonly seen: { path: string; headers: Headers }[];
  /** WebSockets open now. */
  open(): number;
  close(): Promise<void>;
}

/**
 * A WebSocket echo server in this process (`Deno.serve` on 127.0.0.1:0); a request that is
 * not an upgrade gets `plain PATH`.
 */
export function startWsEcho(): WsEcho {
  const ac = new AbortController();
  const seen: { path: string; headers: Headers }[] = [];
  let open = 0;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} },
    (req) => {
      const url = new URL(req.url);
      seen.push({ path: url.pathname + url.search, headers: new Headers(req.headers) });
      if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
        return new Response(`plain ${url.pathname}`);
      }
      const { socket, response } = Deno.upgradeWebSocket(req);
      socket.onopen = () => open++;
      socket.onclose = () => open--;
      socket.onmessage = (e) => socket.send(e.data);
      return response;
    },
  );
  return {
    port: server.addr.port,
    seen,
    open: () => open,
    close: () => (ac.abort(), server.finished),
  };
}
