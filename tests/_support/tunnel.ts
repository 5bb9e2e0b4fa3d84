/**
 * A tunnel server and clients in this process: the server fed by plain accept loops (one for
 * the clients, one per front), as the program wires it, and a client with quick test settings.
 * @module
 */
import { type AcceptLoop, acceptLoop } from "./accept.ts";
import { eventually } from "./wait.ts";
import { TunnelServer, type TunnelServerOptions } from "../../lib/tunnel/server/server.ts";
import {
  TunnelClient,
  type TunnelClientMapping,
  type TunnelClientOptions,
} from "../../lib/tunnel/client/client.ts";

/** Server settings with every front on and a generous limit; override what a test needs. */
export function serverOptions(over: Partial<TunnelServerOptions> = {}): TunnelServerOptions {
  return {
    username: "tunnel",
    password: "secret",
    policy: {
      fronts: { http: true, https: false, tcp: true, proxy: false },
      allowPorts: [],
    },
    maxSessions: 16,
    maxStreams: 256,
    keepAliveInterval: 0,
    keepAliveTimeout: 10_000,
    ...over,
  };
}

/** A running {@link TunnelServer} with its listeners. */
export interface TunnelFixture {
  readonly server: TunnelServer;
  /** Where tunnel clients connect (`bind_addr`). */
  readonly bindPort: number;
  /** The `map_tcp_bind` front. */
  readonly tcpPort: number;
  /** The `map_http_bind` front. */
  readonly httpPort: number;
  /** Stops the server (with `graceMs`) and its listeners. */
  close(graceMs?: number): Promise<void>;
}

/** Starts a server on 127.0.0.1 (the client port given, or any free one). */
export function startTunnelServer(
  options: TunnelServerOptions = serverOptions(),
  bindPort = 0,
): TunnelFixture {
  const server = new TunnelServer(options);
  const loops: AcceptLoop[] = [
    acceptLoop(
      Deno.listen({ hostname: "127.0.0.1", port: bindPort }),
      (c) => server.serveClient(c),
    ),
    acceptLoop(
      Deno.listen({ hostname: "127.0.0.1", port: 0 }),
      (c) => server.serveTcp(c, "default"),
    ),
    acceptLoop(Deno.listen({ hostname: "127.0.0.1", port: 0 }), (c) => server.serveHttp(c, "http")),
  ];
  return {
    server,
    bindPort: loops[0].port,
    tcpPort: loops[1].port,
    httpPort: loops[2].port,
    async close(graceMs = 0) {
      await server.stop(graceMs);
      await Promise.all(loops.map((l) => l.close()));
    },
  };
}

/** Client settings for one server on 127.0.0.1 with quick reconnects. */
export function clientOptions(
  bindPort: number,
  mappings: readonly TunnelClientMapping[],
  over: Partial<TunnelClientOptions> = {},
): TunnelClientOptions {
  return {
    servers: [{ address: `127.0.0.1:${bindPort}`, tls: null }],
    username: "tunnel",
    password: "secret",
    mappings,
    keepAliveInterval: 0,
    keepAliveTimeout: 10_000,
    backoff: { minMs: 100, maxMs: 1000 },
    ...over,
  };
}

/** A tcp mapping on the server's `map_tcp_bind` to 127.0.0.1:`port`. */
export function tcpMapping(name: string, port: number): TunnelClientMapping {
  return { name, mode: "tcp", domains: [], localAddr: `127.0.0.1:${port}` };
}

/** Starts a client and waits for its first welcome. */
export async function startTunnelClient(options: TunnelClientOptions): Promise<TunnelClient> {
  const client = new TunnelClient(options);
  client.start();
  await client.ready;
  return client;
}

/** Waits until `server` has `n` sessions. */
export function sessionsReach(server: TunnelServer, n: number, timeoutMs = 5000): Promise<void> {
  return eventually(() => server.status().sessions.length === n, timeoutMs, `${n} sessions`);
}
