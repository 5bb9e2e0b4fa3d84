/**
 * The HTTP proxy handler on a real listener in this process, the way the proxy listener runs
 * it, and a check that it still serves.
 */
import { handleHttpProxy } from "../../lib/proxy/http/server.ts";
import type { ForwardProxyOptions } from "../../lib/proxy/types.ts";
import { setupLogging } from "../../lib/log/setup.ts";
import { acceptLoop } from "../_support/accept.ts";
import { curl } from "../_support/curl.ts";
import type { TestOrigin } from "../_support/origins.ts";
import { connContext, proxyOptions } from "./_options.ts";

if (Deno.env.get("WMPROXY_TEST_LOG")) await setupLogging({ level: "debug" });

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
  const options = proxyOptions({ idleTimeout: 30_000, ...overrides });
  const tracked = new Set<{ close(): void }>();
  const loop = acceptLoop(Deno.listen({ hostname, port: 0 }), async (conn, index) => {
    try {
      const buf = new Uint8Array(4096);
      const n = await conn.read(buf);
      if (n === null) return;
      const ctx = connContext(conn, index + 1, options, tracked);
      await handleHttpProxy(conn, buf.slice(0, n), ctx);
    } catch {
      // a reset before the first byte
    }
  });
  const { port } = loop;
  return {
    port,
    url: hostname.includes(":") ? `http://[${hostname}]:${port}` : `http://${hostname}:${port}`,
    accepted: loop.accepted,
    tracked,
    settled: loop.settled,
    close: () => loop.close(true),
  };
}

/** A good request through the proxy that must succeed: the proxy is still serving. */
export async function assertServing(proxy: TestProxy, origin: TestOrigin): Promise<void> {
  const r = await curl(["-x", proxy.url, `http://127.0.0.1:${origin.port}/still-serving`]);
  if (r.code !== 0 || !r.stdout.endsWith(" /still-serving")) {
    throw new Error(`proxy stopped serving: curl exit ${r.code}, ${r.stdout} ${r.stderr}`);
  }
}
