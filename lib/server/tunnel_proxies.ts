/**
 * The forward proxies of the tunnel, run on multiplexed streams rather than sockets: the
 * server's, for the egress streams of a client's local proxy (users egress at the server), and
 * the client's, for the visitors of its `proxy` mappings (visitors of `map_proxy_bind` egress
 * inside the client's network). Also the client's reverse proxies, for its `http`/`https`
 * mappings with `headers` (lib/server/tunnel_http.ts). Loaded with the tunnel engines, on first
 * use.
 * @module
 */
import type { ProxySection, TunnelClient as TunnelClientSection } from "../config/schema.ts";
import { DEFAULTS } from "../config/schema.ts";
import { parseAddress } from "../net/address.ts";
import { TargetRules } from "../net/target_rules.ts";
import { handleHttpProxy } from "../proxy/http/server.ts";
import { ForwardProxy } from "../proxy/service.ts";
import { handleSocks5 } from "../proxy/socks5/server.ts";
import { TargetPolicy } from "../proxy/target_policy.ts";
import type { ForwardProxyOptions } from "../proxy/types.ts";
import { type MuxStream, serveLocal, type StreamHandler } from "../tunnel/client/client.ts";
import type { EgressHandler } from "../tunnel/server/server.ts";
import type { OwnPorts } from "./own_ports.ts";
import { mappingReverseProxies } from "./tunnel_http.ts";

const HANDLERS = { http: handleHttpProxy, socks5: handleSocks5 };
const ALL_FLAGS = ["http", "https", "socks5"];

/**
 * The tunnel server's handler of egress streams: a forward proxy with the client's local
 * proxy policy (its `flag`, `target_allow`, `target_deny`), asking the users for the
 * credentials the client itself authenticated with (the `[proxy]` username/password both
 * share). Targets: never this process; the server's loopback and link-local addresses only
 * through the client's `target_allow`.
 */
export function egressHandler(ownPorts: OwnPorts): EgressHandler {
  return async (stream, open) => {
    const policy = open.policy;
    const options = streamProxyOptions({
      flags: policy?.flags ?? ALL_FLAGS,
      credentials: open.credentials,
      targetAllow: policy?.targetAllow ?? [],
      targetDeny: policy?.targetDeny ?? [],
      ownPorts,
    });
    const proxy = new ForwardProxy(`tunnel egress ${open.session}`, options, HANDLERS);
    await proxy.handle(streamConn(stream, open.first, open.peer ?? open.client));
  };
}

/**
 * The tunnel client's stream handler: `proxy` mappings are served by a forward proxy (the
 * flags and target rules of the client's local proxy, when it has one; visitors give the
 * tunnel username/password when set); `http`/`https` mappings with `headers` by a reverse
 * proxy to their `local_addr` applying them, the visitor being the client; the others connect
 * their `local_addr` and relay.
 */
export function clientStreamHandler(
  t: TunnelClientSection,
  ownPorts: OwnPorts,
): ClientStreamHandler {
  const local: ProxySection | null = t.proxy;
  const options = streamProxyOptions({
    flags: local?.flag ?? ALL_FLAGS,
    credentials: t.username !== null && t.password !== null
      ? { username: t.username, password: t.password }
      : null,
    targetAllow: local?.target_allow ?? [],
    targetDeny: local?.target_deny ?? [],
    ownPorts,
    section: local,
  });
  // Built once per config generation, not per stream.
  const forward = new ForwardProxy("tunnel proxy mappings", options, HANDLERS);
  const reverse = mappingReverseProxies(t.mappings);
  return {
    handle: async (stream, open) => {
      const conn = () => streamConn(stream, open.first, open.peer);
      if (open.mapping.mode === "proxy") return await forward.handle(conn());
      const proxy = reverse.get(open.mapping.name);
      // Returned, not awaited: this frame is not kept for the life of the stream.
      if (proxy === undefined) return serveLocal(stream, open);
      await proxy.handle(conn());
    },
    close: async () => {
      await Promise.all([...reverse.values()].map((r) => r.close()));
    },
  };
}

/** The client's stream handler of one config generation, and what it holds open. */
export interface ClientStreamHandler {
  /** Serves one visitor stream. */
  readonly handle: StreamHandler;
  /**
   * Lets go of the generation's reverse proxies (their idle upstream connections) once a newer
   * one serves; streams still open keep working.
   */
  close(): Promise<void>;
}

function streamProxyOptions(o: {
  flags: readonly string[];
  credentials: { readonly username: string; readonly password: string } | null;
  targetAllow: readonly string[];
  targetDeny: readonly string[];
  ownPorts: OwnPorts;
  section?: ProxySection | null;
}): ForwardProxyOptions {
  const s = o.section ?? null;
  return {
    http: o.flags.includes("http"),
    https: o.flags.includes("https"),
    socks5: o.flags.includes("socks5"),
    credentials: o.credentials,
    // Who may use the proxy is decided where its users are: the client checks its
    // allow_ip/deny_ip before opening an egress stream; map_proxy_bind visitors authenticate.
    allow: null,
    deny: null,
    targets: new TargetPolicy({
      deny: rules(o.targetDeny, true),
      allow: rules(o.targetAllow, false),
      isSelf: (ip, port) => o.ownPorts.isSelf(ip, port),
      // The users are other machines (the client's network, or the server's visitors).
      exposed: true,
    }),
    connectTimeout: (s?.proxy_connect_timeout ?? DEFAULTS.proxy_connect_timeout) * 1000,
    handshakeTimeout: (s?.handshake_timeout ?? DEFAULTS.handshake_timeout) * 1000,
    idleTimeout: (s?.timeout ?? DEFAULTS.stream_timeout) * 1000,
  };
}

/**
 * Rules from entries. A bad entry (only a foreign client could send one) errs on the safe
 * side: a bad deny list denies everything, a bad allow list allows nothing more.
 */
function rules(list: readonly string[], deny: boolean): TargetRules | null {
  if (list.length === 0) return null;
  const parsed = TargetRules.parse(list);
  if (parsed instanceof TargetRules) return parsed;
  return deny ? TargetRules.parse(["*"]) as TargetRules : null;
}

/**
 * A stream as the connection the forward and reverse proxies take: the bytes that came with
 * `open` first, then the stream's; `remoteAddr` is the user's address (for logs, and the
 * reverse proxy's `{client_ip}`);
 * `localAddr` is loopback, so a SOCKS5 UDP association (which cannot cross the tunnel) binds
 * nothing reachable from outside.
 */
function streamConn(stream: MuxStream, first: Uint8Array, peer: string | null): Deno.TcpConn {
  const addr = peer === null ? undefined : parseAddress(peer, false);
  let pending: Uint8Array | null = first.length > 0 ? first : null;
  const conn = {
    remoteAddr: {
      transport: "tcp",
      hostname: addr?.hostname ?? "0.0.0.0",
      port: addr?.port ?? 0,
    } satisfies Deno.NetAddr,
    localAddr: { transport: "tcp", hostname: "127.0.0.1", port: 0 } satisfies Deno.NetAddr,
    read(buf: Uint8Array): Promise<number | null> {
      if (pending === null) return stream.read(buf);
      const n = Math.min(buf.length, pending.length);
      buf.set(pending.subarray(0, n));
      pending = n === pending.length ? null : pending.subarray(n);
      return Promise.resolve(n);
    },
    write: (bytes: Uint8Array) => stream.write(bytes),
    closeWrite: () => stream.closeWrite(),
    close: () => stream.close(),
  };
  // The handlers use only these members (no rid, no setNoDelay: noDelay() checks for it).
  return conn as unknown as Deno.TcpConn;
}
