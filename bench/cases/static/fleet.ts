/**
 * The processes of the `static` case: nginx (one worker, sendfile), `wmproxy file-server`
 * (`Deno.serve`), and `wmproxy run` with a `[[http.server]]` file_server location (the
 * reverse proxy's raw front), each serving the same directory with a 1 KiB and a 1 MiB file.
 * @module
 */

import type { Attempt } from "../../lib/attempt.ts";
import { createLauncher } from "../../lib/launch.ts";
import { freePorts } from "../../lib/ports.ts";
import { type ManagedProcess, startServer, stopProcess } from "../../lib/process.ts";
import type { CaseOptions } from "../../lib/types.ts";
import { startNginxStatic } from "../../servers/nginx_static.ts";
import { REPO_ROOT, startWmproxyFiles } from "../../servers/wmproxy.ts";

/** A file every server serves. */
export interface StaticFile {
  /** URL path. */
  path: string;
  /** Size in bytes. */
  bytes: number;
}

/** The files of the case. */
export const FILES: readonly StaticFile[] = [
  { path: "/1k.bin", bytes: 1024 },
  { path: "/1m.bin", bytes: 1024 * 1024 },
];

/** Every server; one that failed to start holds its reason instead. */
export interface StaticFleet {
  nginx: Attempt<ManagedProcess>;
  /** `wmproxy file-server`: `Deno.serve` + `StaticFiles.handle`. */
  ours: Attempt<ManagedProcess>;
  /** `wmproxy run`: a `[[http.server]]` file_server location on the raw HTTP/1.1 front. */
  rawFront: Attempt<ManagedProcess>;
  /** Listening ports, in the same order. */
  ports: { nginx: number; ours: number; rawFront: number };
  /** Processes that started, in start order; stop them in reverse. */
  started: ManagedProcess[];
}

/**
 * Writes the files (random bytes) to `<dir>/www` and starts each server.
 * @param dir a private temp directory
 * @param options the case options
 * @returns the fleet; the caller stops `started` in a `finally`
 */
export async function startStaticFleet(dir: string, options: CaseOptions): Promise<StaticFleet> {
  const root = `${dir}/www`;
  await Deno.mkdir(root);
  for (const f of FILES) {
    const bytes = new Uint8Array(f.bytes);
    for (let i = 0; i < bytes.length; i += 65536) {
      crypto.getRandomValues(bytes.subarray(i, Math.min(bytes.length, i + 65536)));
    }
    await Deno.writeFile(`${root}${f.path}`, bytes);
  }
  const [nginxPort, oursPort, rawPort] = freePorts(3);
  const { launch, started } = createLauncher(dir, options);
  try {
    return {
      nginx: await launch({
        name: "nginx-static",
        needs: ["nginx"],
        start: (sub) => startNginxStatic(sub, { port: nginxPort, root }),
      }),
      ours: await launch({
        name: "wmproxy-file-server",
        start: () =>
          startServer(
            "wmproxy",
            [
              Deno.execPath(),
              "run",
              "-A",
              "main.ts",
              "file-server",
              "-r",
              root,
              "-l",
              `127.0.0.1:${oursPort}`,
              "--disable-control",
            ],
            [oursPort],
            { cwd: REPO_ROOT, env: { NO_COLOR: "1" }, readyTimeoutMs: 60_000 },
          ),
      }),
      rawFront: await launch({
        name: "wmproxy-file-server-location",
        start: (sub) => startWmproxyFiles(sub, rawPort, root),
      }),
      ports: { nginx: nginxPort, ours: oursPort, rawFront: rawPort },
      started,
    };
  } catch (error) {
    for (const process of started.toReversed()) await stopProcess(process);
    throw error;
  }
}
