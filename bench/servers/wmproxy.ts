/**
 * Ours: wmproxy's TCP and UDP forwarders and its forward proxy, started the way a user runs
 * them.
 * @module
 */

import { type ManagedProcess, startServer } from "../lib/process.ts";
import type { ReverseRoute } from "./nginx_reverse.ts";
import type { TcpRoute } from "./tcp_route.ts";
import type { UdpRoute } from "./udp_route.ts";

/** How ours runs beyond its config file: worker threads and the control endpoint. */
export interface WmproxyRunOptions {
  /** `--workers N`; absent: the default (1, everything on the main thread). */
  workers?: number;
  /** `--control 127.0.0.1:PORT`, for `/status`; absent: `--disable-control`. */
  controlPort?: number;
}

/** The repository root, where `main.ts` and `deno.json` live. */
export const REPO_ROOT: string = new URL("../../", import.meta.url).pathname;

/**
 * Writes `<dir>/wmproxy.toml` and runs
 * `deno run -A main.ts run -c <dir>/wmproxy.toml --disable-control` from the repository root.
 * @param dir a private temp directory
 * @param routes one `[[stream.server]]` per route
 * @param run workers and control endpoint (default: one thread, no control endpoint)
 * @returns the ready process
 * @throws Error when main.ts is missing or the forwarder never listens
 */
export async function startWmproxyStream(
  dir: string,
  routes: readonly TcpRoute[],
  run: WmproxyRunOptions = {},
): Promise<ManagedProcess> {
  return await startWmproxy(
    dir,
    wmproxyStreamConfig(routes),
    { tcp: routes.map((r) => r.listenPort) },
    undefined,
    run,
  );
}

/**
 * Writes `<dir>/wmproxy.toml` with one `bind_mode = "udp"` `[[stream.server]]` per route and
 * runs it like `startWmproxyStream`.
 * @param dir a private temp directory
 * @param routes where to listen and where to forward; each upstream must echo (readiness)
 * @returns the process, once a probe came back through every route
 * @throws Error when main.ts is missing or nothing comes back through a route
 */
export async function startWmproxyUdp(
  dir: string,
  routes: readonly UdpRoute[],
): Promise<ManagedProcess> {
  return await startWmproxy(dir, wmproxyUdpConfig(routes), {
    udp: routes.map((r) => r.listenPort),
  });
}

/**
 * Writes `<dir>/wmproxy.toml` with a `[proxy]` section (HTTP, CONNECT and SOCKS5 on one port,
 * no credentials) and runs it like `startWmproxyStream`.
 * @param dir a private temp directory
 * @param port the proxy's loopback port
 * @param probe a request through the proxy that must succeed before it counts as ready
 * @returns the ready process
 * @throws Error when main.ts is missing, the proxy never listens or the probe fails
 */
export async function startWmproxyForward(
  dir: string,
  port: number,
  probe?: (signal: AbortSignal) => Promise<void>,
): Promise<ManagedProcess> {
  return await startWmproxy(dir, wmproxyForwardConfig(port), { tcp: [port] }, probe);
}

/**
 * Writes `<dir>/wmproxy.toml` with one `[[http.upstream]]` and one `[[http.server]]` (location
 * `/` proxied to that upstream) per route, and runs it like `startWmproxyStream`.
 * @param dir a private temp directory
 * @param routes where to listen and which origins to balance over
 * @param probe a request through the proxy that must succeed before it counts as ready
 * @param run workers and control endpoint (default: one thread, no control endpoint)
 * @returns the ready process
 * @throws Error when main.ts is missing, the proxy never listens or the probe fails
 */
export async function startWmproxyReverse(
  dir: string,
  routes: readonly ReverseRoute[],
  probe?: (signal: AbortSignal) => Promise<void>,
  run: WmproxyRunOptions = {},
): Promise<ManagedProcess> {
  return await startWmproxy(
    dir,
    wmproxyReverseConfig(routes),
    { tcp: routes.map((r) => r.listenPort) },
    probe,
    run,
  );
}

/**
 * Writes `<dir>/wmproxy.toml` with one `bind_mode = "ws2tcp"` `[[stream.server]]` and runs it
 * like `startWmproxyStream`.
 * @param dir a private temp directory
 * @param port where it accepts WebSocket connections
 * @param target the TCP server behind it
 * @returns the ready process
 */
export async function startWmproxyWs2Tcp(
  dir: string,
  port: number,
  target: number,
): Promise<ManagedProcess> {
  const toml = `[[stream.server]]
bind_addr = "127.0.0.1:${port}"
bind_mode = "ws2tcp"
proxy_url = "tcp://127.0.0.1:${target}"
`;
  return await startWmproxy(dir, toml, { tcp: [port] });
}

/**
 * Writes `<dir>/wmproxy.toml` with one `[[http.server]]` whose only location (`rule = "/"`)
 * is a `file_server` for `root` (the reverse proxy's raw HTTP/1.1 front, default open-file
 * cache) and runs it like `startWmproxyStream`.
 * @param dir a private temp directory
 * @param port loopback port
 * @param root the directory served
 * @returns the ready process
 */
export async function startWmproxyFiles(
  dir: string,
  port: number,
  root: string,
): Promise<ManagedProcess> {
  const toml = `[[http.server]]
bind_addr = "127.0.0.1:${port}"
[[http.server.location]]
rule = "/"
file_server = { root = ${JSON.stringify(root)} }
`;
  return await startWmproxy(dir, toml, { tcp: [port] });
}

/**
 * Writes `<dir>/wmproxy.toml` with `toml` and runs it like `startWmproxyStream`: ready once
 * every TCP port accepts, every UDP port echoes and the probe passed.
 * @param dir a private temp directory
 * @param toml the configuration
 * @param ports TCP ports it listens on, UDP ports that must echo
 * @param probe a last check, such as a request through it
 * @param run workers and control endpoint (default: one thread, no control endpoint)
 * @returns the ready process
 * @throws Error when main.ts is missing or the process never gets ready
 */
export async function startWmproxy(
  dir: string,
  toml: string,
  ports: { tcp?: number[]; udp?: number[] },
  probe?: (signal: AbortSignal) => Promise<void>,
  run: WmproxyRunOptions = {},
): Promise<ManagedProcess> {
  const main = `${REPO_ROOT}main.ts`;
  try {
    await Deno.stat(main);
  } catch {
    throw new Error(`"${main}" does not exist yet`);
  }
  const config = `${dir}/wmproxy.toml`;
  await Deno.writeTextFile(config, toml);
  return await startServer(
    "wmproxy",
    [Deno.execPath(), "run", "-A", "main.ts", "run", "-c", config, ...runFlags(run)],
    // The control endpoint may come up after the listeners: wait for it too.
    [...(ports.tcp ?? []), ...(run.controlPort === undefined ? [] : [run.controlPort])],
    // The first start may fetch npm packages and compile, hence the long deadline.
    {
      cwd: REPO_ROOT,
      env: { NO_COLOR: "1" },
      readyTimeoutMs: 60_000,
      udpEchoPorts: ports.udp ?? [],
      probe,
    },
  );
}

/**
 * The command-line flags for `run`: `--workers N` when given, and `--control 127.0.0.1:PORT`
 * or `--disable-control`.
 * @param run workers and control endpoint
 * @returns the flags
 */
export function runFlags(run: WmproxyRunOptions): string[] {
  const workers = run.workers === undefined ? [] : ["--workers", String(run.workers)];
  const control = run.controlPort === undefined
    ? ["--disable-control"]
    : ["--control", `127.0.0.1:${run.controlPort}`];
  return [...workers, ...control];
}

/**
 * The wmproxy configuration: one `[[stream.server]]` per route.
 * @param routes the routes
 * @returns TOML text
 */
export function wmproxyStreamConfig(routes: readonly TcpRoute[]): string {
  return routes.map((route) =>
    `[[stream.server]]
bind_addr = "127.0.0.1:${route.listenPort}"
proxy_url = "tcp://127.0.0.1:${route.upstreamPort}"
`
  ).join("\n");
}

/**
 * The wmproxy configuration for UDP: one `[[stream.server]]` per route, sessions idle out
 * after 60 s like the peers' (socat `-T 60`, nginx `proxy_timeout 60s`).
 * @param routes the routes
 * @returns TOML text
 */
export function wmproxyUdpConfig(routes: readonly UdpRoute[]): string {
  return routes.map((route) =>
    `[[stream.server]]
bind_addr = "127.0.0.1:${route.listenPort}"
bind_mode = "udp"
proxy_url = "udp://127.0.0.1:${route.upstreamPort}"
timeout = "60s"
`
  ).join("\n");
}

/**
 * The wmproxy configuration for the forward proxy: HTTP, HTTPS (CONNECT) and SOCKS5 on one
 * loopback port, without credentials.
 * @param port the proxy's port
 * @returns TOML text
 */
export function wmproxyForwardConfig(port: number): string {
  return `[proxy]
bind_addr = "127.0.0.1:${port}"
flag = "http https socks5"
`;
}

/**
 * The wmproxy configuration for the reverse proxy: per route an upstream named after it (its
 * servers balanced round robin, the default) and a server whose location `/` proxies to it.
 * @param routes the routes
 * @returns TOML text
 */
export function wmproxyReverseConfig(routes: readonly ReverseRoute[]): string {
  return routes.map((route) => {
    const servers = route.upstreamPorts.map((port) => `{ addr = "127.0.0.1:${port}" }`);
    return `[[http.upstream]]
name = "${route.name}"
server = [${servers.join(", ")}]

[[http.server]]
bind_addr = "127.0.0.1:${route.listenPort}"

[[http.server.location]]
rule = "/"
proxy_url = "http://${route.name}"
`;
  }).join("\n");
}
