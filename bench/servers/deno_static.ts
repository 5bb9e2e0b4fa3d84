/**
 * `Deno.serve` with lib/static's `StaticFiles.handle`: the design where static files run on
 * Deno's own HTTP server, measured next to the `file-server` verb (which serves through the
 * reverse proxy's raw HTTP/1.1 front). Run as `deno run -A bench/servers/deno_static.ts
 * PORT ROOT`; {@link startDenoStatic} starts it.
 * @module
 */

import { type ManagedProcess, startServer } from "../lib/process.ts";
import { StaticFiles } from "../../lib/static/files.ts";

/**
 * Starts this file as a process serving `root` on `port`.
 * @param port loopback port
 * @param root the directory served
 * @returns the ready process
 */
export async function startDenoStatic(port: number, root: string): Promise<ManagedProcess> {
  return await startServer(
    "deno-static",
    [Deno.execPath(), "run", "-A", new URL(import.meta.url).pathname, String(port), root],
    [port],
    { env: { NO_COLOR: "1" }, readyTimeoutMs: 60_000 },
  );
}

if (import.meta.main) {
  const [port, root] = Deno.args;
  const files = new StaticFiles({ root });
  Deno.serve(
    { hostname: "127.0.0.1", port: Number(port), onListen() {} },
    (req) => files.handle(req),
  );
}
