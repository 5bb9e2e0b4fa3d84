/**
 * Minimal in-process proxies for tests: they speak just enough of SOCKS5 or HTTP proxying and
 * answer every request themselves, with no real upstream.
 * @module
 */

/** A fake proxy listening on a loopback port. */
export interface FakeProxy {
  /** Its port. */
  port: number;
  /** Stops listening and waits for open connections to finish. */
  close(): Promise<void>;
}

/** Options of `startFakeSocks5`. */
export interface FakeSocks5Options {
  /** SOCKS5 reply code for CONNECT (0 = success). @default 0 */
  replyCode?: number;
}

const RESPONSE = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n";

/**
 * A SOCKS5 server that accepts "no authentication", answers CONNECT with `replyCode` (bound
 * address 0.0.0.0:0) and, on success, answers one HTTP request in the tunnel with 200 and closes.
 * @param options the CONNECT reply code
 * @returns the running fake
 */
export function startFakeSocks5(options: FakeSocks5Options = {}): FakeProxy {
  return serve(async (conn) => {
    await readAtLeast(conn, 3);
    await conn.write(new Uint8Array([5, 0]));
    await readAtLeast(conn, 10);
    const code = options.replyCode ?? 0;
    await conn.write(new Uint8Array([5, code, 0, 1, 0, 0, 0, 0, 0, 0]));
    if (code !== 0) return;
    await readHead(conn);
    await conn.write(new TextEncoder().encode(RESPONSE));
  });
}

/**
 * An HTTP proxy that answers each connection's first request with `status` and closes.
 * @param status e.g. `200 OK` or `403 Forbidden`
 * @returns the running fake
 */
export function startFakeHttpProxy(status: string): FakeProxy {
  return serve(async (conn) => {
    await readHead(conn);
    const body = "ok\n";
    await conn.write(
      new TextEncoder().encode(
        `HTTP/1.1 ${status}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      ),
    );
  });
}

function serve(handle: (conn: Deno.Conn) => Promise<void>): FakeProxy {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Promise<void>>();
  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        const done = serveOne(conn, handle);
        open.add(done);
        done.finally(() => open.delete(done));
      }
    } catch {
      // The listener was closed.
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    async close() {
      listener.close();
      await accepting;
      await Promise.all(open);
    },
  };
}

async function serveOne(
  conn: Deno.Conn,
  handle: (conn: Deno.Conn) => Promise<void>,
): Promise<void> {
  try {
    await handle(conn);
  } catch {
    // A client that went away mid-exchange; the test reports what it saw.
  } finally {
    conn.close();
  }
}

async function readAtLeast(conn: Deno.Conn, count: number): Promise<void> {
  const buffer = new Uint8Array(count);
  let got = 0;
  while (got < count) {
    const n = await conn.read(buffer.subarray(got));
    if (n === null) throw new Error("closed early");
    got += n;
  }
}

async function readHead(conn: Deno.Conn): Promise<void> {
  const buffer = new Uint8Array(4096);
  let text = "";
  while (!text.includes("\r\n\r\n")) {
    const n = await conn.read(buffer);
    if (n === null) throw new Error("closed before the end of the head");
    text += new TextDecoder().decode(buffer.subarray(0, n));
  }
}
