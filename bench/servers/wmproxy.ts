/**
 * Ours: wmproxy's TCP forwarder, started the way a user runs it.
 * @module
 */

import { type ManagedProcess, startServer } from "../lib/process.ts";
import type { TcpRoute } from "./tcp_route.ts";

/** The repository root, where `main.ts` and `deno.json` live. */
export const REPO_ROOT: string = new URL("../../", import.meta.url).pathname;

/**
 * Writes `<dir>/wmproxy.toml` and runs
 * `deno run -A main.ts run -c <dir>/wmproxy.toml --disable-control` from the repository root.
 * @param dir a private temp directory
 * @param routes one `[[stream.server]]` per route
 * @returns the ready process
 * @throws Error when main.ts is missing or the forwarder never listens
 */
export async function startWmproxyStream(
  dir: string,
  routes: readonly TcpRoute[],
): Promise<ManagedProcess> {
  const main = `${REPO_ROOT}main.ts`;
  try {
    await Deno.stat(main);
  } catch {
    throw new Error(`"${main}" does not exist yet`);
  }
  const config = `${dir}/wmproxy.toml`;
  await Deno.writeTextFile(config, wmproxyStreamConfig(routes));
  return await startServer(
    "wmproxy",
    [Deno.execPath(), "run", "-A", "main.ts", "run", "-c", config, "--disable-control"],
    routes.map((r) => r.listenPort),
    // The first start may fetch npm packages and compile, hence the long deadline.
    { cwd: REPO_ROOT, env: { NO_COLOR: "1" }, readyTimeoutMs: 60_000 },
  );
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
