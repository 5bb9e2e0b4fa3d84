/**
 * An instance with `workers = 2` (or more) forwarding TCP to an echo backend, and its
 * `/status` read per worker.
 * @module
 */
import { startServer, type TestServer } from "./origins.ts";
import { freePort } from "./ports.ts";
import { control, type Instance, startInstance } from "./process.ts";
import { type TempDir, tempDir } from "./temp.ts";

/** One worker in `/status`. */
export interface WorkerRow {
  readonly id: number;
  readonly generation: number;
  readonly accepted: number;
  readonly open: number;
}

/** A running instance with workers, its echo backend and where to reach it. */
export interface WorkersSetup {
  readonly inst: Instance;
  readonly dir: TempDir;
  readonly backend: TestServer;
  /** The control endpoint, `http://127.0.0.1:PORT`. */
  readonly base: string;
  /** The forwarded TCP port (spread over the workers). */
  readonly port: number;
  readonly ctl: number;
  /** Writes a new config for the next reload: `extra` appended to the same listeners. */
  rewrite(extra?: string): Promise<void>;
  /** `/status`'s workers, by id. */
  workers(): Promise<WorkerRow[]>;
  /** Stops everything the setup started. */
  close(): Promise<void>;
}

/** The config of {@link startWorkers}: one spread tcp listener plus `extra`. */
function text(ctl: number, port: number, backend: number, workers: number, extra: string): string {
  return `control = "127.0.0.1:${ctl}"
workers = ${workers}
shutdown_timeout = "30s"
[[stream.server]]
bind_addr = "127.0.0.1:${port}"
proxy_url = "tcp://127.0.0.1:${backend}"
${extra}`;
}

/**
 * Starts an instance with `workers` workers, with the hidden test hooks on; `args` are added
 * to its command line (e.g. `-v`).
 */
export async function startWorkers(
  workers = 2,
  extra = "",
  args: string[] = [],
): Promise<WorkersSetup> {
  const dir = await tempDir();
  const backend = startServer();
  const ctl = freePort();
  const port = freePort();
  const base = `http://127.0.0.1:${ctl}`;
  let inst: Instance;
  try {
    inst = await startInstance(
      dir.path,
      text(ctl, port, backend.port, workers, extra),
      args,
      "wmproxy.toml",
      { WMPROXY_TEST_HOOKS: "1" },
    );
  } catch (e) {
    await backend.close();
    await dir.cleanup();
    throw e;
  }
  return {
    inst,
    dir,
    backend,
    base,
    port,
    ctl,
    rewrite: (more = "") =>
      Deno.writeTextFile(
        `${dir.path}/wmproxy.toml`,
        text(ctl, port, backend.port, workers, more),
      ),
    workers: async () => (await control(base, "status")).body.workers as WorkerRow[],
    close: async () => {
      await inst.kill();
      await backend.close();
      await dir.cleanup();
    },
  };
}
