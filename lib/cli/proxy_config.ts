import type { CliArgs } from "./args.ts";

/** Each `[proxy]` key `wmproxy proxy` sets, by the flag that sets it (for error messages). */
export const PROXY_FLAG_KEYS: Readonly<Record<string, string>> = {
  bind_addr: "-b",
  username: "--user",
  password: "--pass",
  flag: "--flag",
  server: "-S",
  ts: "--ts",
  domain: "--domain",
  ca: "--ca",
  tc: "--tc",
  cert: "--cert",
  key: "--key",
  map_http_bind: "--map-http-bind",
  map_https_bind: "--map-https-bind",
  map_tcp_bind: "--map-tcp-bind",
  map_cert: "--map-cert",
  map_key: "--map-key",
};

/** Config keys that make a tunnel server, and those that make a tunnel client. */
const SERVER_KEYS = ["tc", "cert", "key", "map_http_bind", "map_https_bind", "map_tcp_bind"];
const CLIENT_KEYS = ["server", "ts", "domain", "ca"];

/**
 * The raw `[proxy]` section `wmproxy proxy` runs, as wmproxy's verb: a forward proxy; with
 * `-S` a tunnel client (`-b` its local proxy); with `--tc`, `--cert`, `--key` or a `--map-*`
 * flag a tunnel server (`-b` where tunnel clients connect). Returns a message instead when the
 * flags of both ends are mixed.
 */
export function proxySection(args: CliArgs): Record<string, unknown> | string {
  const section: Record<string, unknown> = {};
  const set = (key: string, value: unknown) => {
    if (value !== undefined && value !== false) section[key] = value;
  };
  set("bind_addr", args.bind);
  set("username", args.user);
  set("password", args.pass);
  set("flag", args.flag);
  const t = args.tunnel;
  if (t !== undefined) {
    set("server", t.server.length === 0 ? undefined : t.server);
    set("ts", t.ts);
    set("domain", t.domain);
    set("ca", t.ca);
    set("tc", t.tc);
    set("cert", t.cert);
    set("key", t.key);
    set("map_http_bind", t.mapHttpBind);
    set("map_https_bind", t.mapHttpsBind);
    set("map_tcp_bind", t.mapTcpBind);
    set("map_cert", t.mapCert);
    set("map_key", t.mapKey);
  }
  const server = SERVER_KEYS.filter((k) => k in section).map((k) => PROXY_FLAG_KEYS[k]);
  const client = CLIENT_KEYS.filter((k) => k in section).map((k) => PROXY_FLAG_KEYS[k]);
  if (server.length > 0 && client.length > 0) {
    return `${client.join(", ")} (tunnel client) and ${server.join(", ")} (tunnel server) ` +
      "do not mix: run one end per process";
  }
  if ("map_cert" in section || "map_key" in section) {
    if (!("map_https_bind" in section)) return "--map-cert and --map-key need --map-https-bind";
  }
  if (server.length > 0) section.mode = "server";
  else if (client.length > 0) section.mode = "client";
  return section;
}
