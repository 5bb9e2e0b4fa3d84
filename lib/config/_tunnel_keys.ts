/** The keys of a tunnel `[proxy]` (`mode = "server"` or `"client"`), by which end takes them. */

/** Keys both tunnel ends take (besides `bind_addr`, which each reads its own way). */
export const TUNNEL_COMMON_KEYS: readonly string[] = [
  "mode",
  "username",
  "password",
  "two_way_tls",
  "max_streams",
  "heartbeat_interval",
  "heartbeat_timeout",
  "center_addr",
];

/** Keys only a tunnel server (`mode = "server"`) takes. */
export const TUNNEL_SERVER_KEYS: readonly string[] = [
  "bind_addr",
  "tc",
  "cert",
  "key",
  "map_http_bind",
  "map_https_bind",
  "map_cert",
  "map_key",
  "map_tcp_bind",
  "map_proxy_bind",
  "allow_ports",
  "max_sessions",
];

/** Keys only a tunnel client (`mode = "client"`) takes, besides the forward proxy's. */
export const TUNNEL_CLIENT_KEYS: readonly string[] = ["server", "ts", "domain", "ca", "mappings"];

/** Keys of a `[[proxy.mappings]]`. */
export const TUNNEL_MAPPING_KEYS: readonly string[] = [
  "name",
  "mode",
  "local_addr",
  "domain",
  "headers",
  "remote_bind",
  "send_proxy_protocol",
];

/** Every tunnel key of `[proxy]`: a plain forward proxy warns that it ignores them. */
export const TUNNEL_KEYS: readonly string[] = [
  ...new Set([...TUNNEL_COMMON_KEYS, ...TUNNEL_SERVER_KEYS, ...TUNNEL_CLIENT_KEYS]),
].filter((k) => k !== "bind_addr" && k !== "username" && k !== "password");

/** Keys whose presence (other than `false`) makes a `[proxy]` without `mode` a tunnel client. */
export const CLIENT_TRIGGER_KEYS: readonly string[] = ["server", "mappings", "ts"];
