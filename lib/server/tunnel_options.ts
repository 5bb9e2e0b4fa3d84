/**
 * Turns a tunnel section of the config into the options of the tunnel engines
 * (lib/tunnel/server, lib/tunnel/client), which know nothing of the config.
 * @module
 */

import type { TunnelClient, TunnelServer } from "../config/schema.ts";
import { parseAddress } from "../net/address.ts";
import type {
  StreamHandler,
  TunnelClientMapping,
  TunnelClientOptions,
} from "../tunnel/client/client.ts";
import type { EgressHandler, TunnelServerOptions } from "../tunnel/server/server.ts";

/**
 * A tunnel server's engine options.
 * @param serveEgress serves the clients' egress streams (absent: they are reset)
 */
export function tunnelServerOptions(
  t: TunnelServer,
  serveEgress?: EgressHandler,
): TunnelServerOptions {
  return {
    username: t.username,
    password: t.password,
    policy: {
      fronts: {
        http: t.map_http_bind !== null,
        https: t.map_https_bind !== null,
        tcp: t.map_tcp_bind !== null,
        proxy: t.map_proxy_bind !== null,
      },
      allowPorts: t.allow_ports,
    },
    maxSessions: t.max_sessions,
    maxStreams: t.max_streams,
    keepAliveInterval: t.heartbeat_interval * 1000,
    keepAliveTimeout: t.heartbeat_timeout * 1000,
    ...(serveEgress === undefined ? {} : { serveEgress }),
  };
}

/**
 * A tunnel client's engine options.
 * @param serveStream serves visitor streams (`proxy` mappings); absent: the engine's default
 */
export function tunnelClientOptions(
  t: TunnelClient,
  serveStream?: StreamHandler,
): TunnelClientOptions {
  const mappings: TunnelClientMapping[] = [];
  for (const m of t.mappings) {
    if (m.mode !== "proxy" && m.local_addr === null) continue;
    mappings.push({
      name: m.name,
      mode: m.mode,
      domains: m.domain === null || m.domain === "" ? [] : [m.domain],
      ...(m.remote_bind === null ? {} : { remoteBind: m.remote_bind }),
      localAddr: m.local_addr ?? "",
      ...(m.send_proxy_protocol === null ? {} : { sendProxyProtocol: m.send_proxy_protocol }),
    });
  }
  const p = t.proxy;
  return {
    servers: t.server.map((address) => ({
      address,
      tls: t.ts
        ? {
          hostname: t.domain ?? parseAddress(address)?.hostname ?? address,
          ...(t.ca_pem === null ? {} : { caCerts: [t.ca_pem] }),
        }
        : null,
    })),
    username: t.username ?? "",
    password: t.password ?? "",
    mappings,
    keepAliveInterval: t.heartbeat_interval * 1000,
    keepAliveTimeout: t.heartbeat_timeout * 1000,
    ...(serveStream === undefined ? {} : { serveStream }),
    // The client's local proxy policy, applied by the server that runs its egress proxy.
    ...(p === null ? {} : {
      egress: {
        flags: [...p.flag],
        targetAllow: [...p.target_allow],
        targetDeny: [...p.target_deny],
      },
    }),
  };
}
