import type { FileServerFlags } from "./args.ts";

/** The access-log line `--access-log` writes. */
export const FILE_SERVER_LOG_FORMAT =
  '{client_ip} [{d(%Y-%m-%d %H:%M:%S)}] "{method} {url}" {status} "{referer}" "{user_agent}"';

/**
 * The raw `[http]` config `wmproxy file-server` runs: one server on every `-l` address with
 * one location (`rule = "/"`) serving `-r` with `file_server`, so the verb goes through the
 * same validation and engine as a config file.
 */
export function fileServerConfig(
  flags: FileServerFlags,
  extra: { readonly headers?: readonly string[]; readonly accessLog?: string } = {},
): Record<string, unknown> {
  const ext: Record<string, string> = {};
  for (const pair of flags.extMimetype) {
    const eq = pair.indexOf("=");
    ext[eq < 0 ? pair : pair.slice(0, eq)] = eq < 0 ? "" : pair.slice(eq + 1);
  }
  const fileServer: Record<string, unknown> = {
    root: flags.root,
    browse: flags.browse,
    cors: flags.cors,
    ext_mimetype: ext,
  };
  if (flags.robots !== undefined) fileServer.robots = flags.robots;
  if (flags.path404 !== undefined) fileServer.path404 = flags.path404;
  if (flags.cacheTime !== undefined) fileServer.cache_time = flags.cacheTime;
  const server: Record<string, unknown> = {
    bind_addr: [...flags.listen],
    headers: [...(extra.headers ?? [])],
    location: [{ rule: "/", file_server: fileServer }],
  };
  if (flags.domain !== undefined) server.up_name = flags.domain;
  if (flags.listenSsl.length > 0) {
    server.bind_ssl = [...flags.listenSsl];
    server.cert = flags.cert;
    server.key = flags.key;
  }
  const http: Record<string, unknown> = { server: [server] };
  if (extra.accessLog !== undefined) {
    http.log_names = { access: extra.accessLog };
    http.log_format = { main: FILE_SERVER_LOG_FORMAT };
    server.access_log = "access main";
  }
  return { http };
}

/** Config key paths of {@link fileServerConfig} mapped back to the flags that set them. */
export const FILE_SERVER_FLAG_PATHS: readonly (readonly [RegExp, string])[] = [
  [/http\.server\[0\]\.location\[0\]\.file_server\.root/g, "-r"],
  [/http\.server\[0\]\.location\[0\]\.file_server\.cache_time/g, "-c"],
  [/http\.server\[0\]\.location\[0\]\.file_server\.ext_mimetype\.?/g, "-e "],
  [/http\.server\[0\]\.location\[0\]\.file_server\.robots/g, "--robots"],
  [/http\.server\[0\]\.location\[0\]\.file_server\.path404/g, "--path404"],
  [/http\.server\[0\]\.bind_addr/g, "-l"],
  [/http\.server\[0\]\.bind_ssl/g, "--listen-ssl"],
  [/http\.server\[0\]\.cert/g, "--cert"],
  [/http\.server\[0\]\.key/g, "--key"],
  [/http\.server\[0\]\.headers\[(\d+)\]/g, "-H #$1"],
  [/http\.log_names\.access/g, "--access-log"],
];
