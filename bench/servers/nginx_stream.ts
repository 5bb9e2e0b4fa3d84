/**
 * nginx's stream module as a peer UDP forwarder: one process, `listen ... udp`, `proxy_pass`.
 * @module
 */

import { installDebianPackages } from "../lib/peers.ts";
import { type ManagedProcess, startServer } from "../lib/process.ts";
import type { UdpRoute } from "./udp_route.ts";

/** The Debian package that ships `ngx_stream_module.so` for a `--with-stream=dynamic` nginx. */
export const STREAM_MODULE_PACKAGE = "libnginx-mod-stream";

/** How the installed nginx offers the stream module, per `nginx -V`. */
export type StreamSupport =
  | { kind: "static" }
  | { kind: "dynamic"; path: string }
  | { kind: "absent" };

/**
 * Reads from `nginx -V` whether the stream module is built in, loadable (and from where), or
 * missing.
 * @param text what `nginx -V` printed (it prints to stderr)
 * @returns the kind, and the module file for a dynamic one
 */
export function parseStreamSupport(text: string): StreamSupport {
  const flags = text.split(/\s+/);
  if (flags.includes("--with-stream")) return { kind: "static" };
  if (!flags.includes("--with-stream=dynamic")) return { kind: "absent" };
  const dir = flags.find((f) => f.startsWith("--modules-path="))?.slice("--modules-path=".length);
  return { kind: "dynamic", path: `${dir ?? "/usr/lib/nginx/modules"}/ngx_stream_module.so` };
}

/**
 * Finds how to enable nginx's stream module, installing `libnginx-mod-stream` (as root) when
 * nginx was built with a dynamic one that is not installed.
 * @param log progress output
 * @returns the `load_module` path, or null when the module is built in
 * @throws Error saying why nginx cannot proxy UDP here
 */
export async function ensureStreamModule(log: (line: string) => void): Promise<string | null> {
  const { stdout, stderr } = await new Deno.Command("nginx", { args: ["-V"], stdin: "null" })
    .output();
  const support = parseStreamSupport(
    new TextDecoder().decode(stderr) + "\n" + new TextDecoder().decode(stdout),
  );
  if (support.kind === "absent") throw new Error("nginx was built without the stream module");
  if (support.kind === "static") return null;
  if (!await exists(support.path)) {
    await installDebianPackages([STREAM_MODULE_PACKAGE], log);
    if (!await exists(support.path)) {
      throw new Error(`"${support.path}" is missing; install ${STREAM_MODULE_PACKAGE} (as root)`);
    }
  }
  return support.path;
}

/** Options of `startNginxUdp` and `nginxUdpConfig`. */
export interface NginxUdpOptions {
  /** The stream module to `load_module`, or null when it is built in. @default null */
  modulePath?: string | null;
}

/**
 * Writes `<dir>/nginx.conf` and runs nginx in the foreground as a single process.
 * @param dir a private temp directory used as nginx's prefix
 * @param route where to listen and where to forward
 * @param options the module to load
 * @returns the process, once a probe came back through it
 */
export async function startNginxUdp(
  dir: string,
  route: UdpRoute,
  options: NginxUdpOptions = {},
): Promise<ManagedProcess> {
  const conf = `${dir}/nginx.conf`;
  await Deno.writeTextFile(conf, nginxUdpConfig(dir, route, options));
  return await startServer(
    "nginx",
    ["nginx", "-p", dir, "-c", conf, "-e", `${dir}/error.log`],
    [],
    { udpEchoPorts: [route.listenPort] },
  );
}

/**
 * The nginx configuration: one worker (no master), a UDP `server` forwarding to the upstream.
 * `proxy_responses` is left unset, i.e. unlimited: with any number N, nginx 1.22 ends a
 * session as soon as it has N replies per request, which under request/response load closes
 * and reopens the upstream socket every time the window drains. Sessions end after
 * `proxy_timeout` of silence instead, as ours and socat's do.
 * @param dir prefix directory
 * @param route where to listen and where to forward
 * @param options the module to load
 * @returns the configuration text
 */
export function nginxUdpConfig(
  dir: string,
  route: UdpRoute,
  options: NginxUdpOptions = {},
): string {
  return nginxStreamConfig(dir, {
    listen: `127.0.0.1:${route.listenPort} udp`,
    upstreamPort: route.upstreamPort,
    proxyTimeout: "60s",
    workerConnections: 4096,
    modulePath: options.modulePath ?? null,
  });
}

/** What {@link nginxStreamConfig} puts in the one `server` of a `stream` block. */
export interface NginxStreamServer {
  /** The `listen` parameters, e.g. `127.0.0.1:9000 udp`. */
  readonly listen: string;
  /** The port on 127.0.0.1 it forwards to. */
  readonly upstreamPort: number;
  /** `proxy_timeout`, e.g. `60s`. */
  readonly proxyTimeout: string;
  /** `worker_connections`. */
  readonly workerConnections: number;
  /** The stream module to `load_module`, or null when it is built in. */
  readonly modulePath: string | null;
}

/**
 * An nginx configuration with one worker (no master) and one `stream` server, for the UDP and
 * the TCP forwarding peers.
 * @param dir prefix directory
 * @param server what the server listens on and forwards to
 * @returns the configuration text
 */
export function nginxStreamConfig(dir: string, server: NginxStreamServer): string {
  const load = server.modulePath === null ? "" : `load_module ${server.modulePath};\n`;
  return `${load}daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;

events {
  worker_connections ${server.workerConnections};
}

stream {
  server {
    listen ${server.listen};
    proxy_pass 127.0.0.1:${server.upstreamPort};
    proxy_timeout ${server.proxyTimeout};
  }
}
`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
