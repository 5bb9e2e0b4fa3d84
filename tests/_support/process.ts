/**
 * `main.ts` spawned the way a user runs it: to completion, or running with its log lines
 * available to wait on (its ready line first).
 * @module
 */
import { decoder } from "./bytes.ts";

/** Absolute path of main.ts. */
export const MAIN: string = new URL("../../main.ts", import.meta.url).pathname;

/** What a finished process printed. */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs main.ts to completion: exit code and output. */
export async function runMain(args: string[], cwd?: string): Promise<RunResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** A running `main.ts run -c FILE`. */
export class Instance {
  readonly process: Deno.ChildProcess;
  readonly configPath: string;
  /** Every stderr line so far. */
  readonly lines: string[] = [];
  #waiters: { re: RegExp; from: number; resolve: (l: string) => void }[] = [];
  #closed = false;
  readonly #done: Promise<void>;

  /**
   * @param configPath the config file, run as `main.ts run -c configPath ...args`; when empty,
   *   `args` is the whole command line (e.g. `["proxy", "-b", ...]`)
   * @param args further arguments
   * @param env environment variables added to the child's (e.g. `DENO_CERT`)
   * @param binary a compiled wmproxy to run instead of `deno run -A main.ts`
   */
  constructor(
    configPath: string,
    args: string[] = [],
    env: Record<string, string> = {},
    binary?: string,
  ) {
    this.configPath = configPath;
    const argv = configPath ? ["run", "-c", configPath, ...args] : args;
    this.process = new Deno.Command(binary ?? Deno.execPath(), {
      args: binary ? argv : ["run", "-A", MAIN, ...argv],
      env,
      stdout: "null",
      stderr: "piped",
      stdin: "null",
    }).spawn();
    this.#done = this.#collect();
  }

  async #collect(): Promise<void> {
    let rest = "";
    for await (const chunk of this.process.stderr.pipeThrough(new TextDecoderStream())) {
      rest += chunk;
      let i;
      while ((i = rest.indexOf("\n")) >= 0) {
        const line = rest.slice(0, i);
        rest = rest.slice(i + 1);
        this.lines.push(line);
        if (Deno.env.get("WMPROXY_TEST_LOG")) console.error(`[main] ${line}`);
        this.#waiters = this.#waiters.filter((w) => {
          if (!w.re.test(line)) return true;
          w.resolve(line);
          return false;
        });
      }
    }
    this.#closed = true;
    for (const w of this.#waiters) w.resolve("");
  }

  /** Resolves with the first line (from index `from` on) matching `re`; rejects on exit or timeout. */
  waitFor(re: RegExp, from = 0, timeoutMs = 20_000): Promise<string> {
    const hit = this.lines.slice(from).find((l) => re.test(l));
    if (hit !== undefined) return Promise.resolve(hit);
    if (this.#closed) return Promise.reject(new Error(`exited before ${re}:\n${this.log()}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no line matching ${re} within ${timeoutMs} ms:\n${this.log()}`)),
        timeoutMs,
      );
      this.#waiters.push({
        re,
        from,
        resolve: (l) => {
          clearTimeout(timer);
          if (l === "") reject(new Error(`exited before ${re}:\n${this.log()}`));
          else resolve(l);
        },
      });
    });
  }

  /** Waits until the instance logged that it is ready. */
  ready(): Promise<string> {
    return this.waitFor(/ready: \d+ listeners/);
  }

  /** The collected log, for failure messages. */
  log(): string {
    return this.lines.join("\n");
  }

  /** Waits for the process to exit on its own. */
  async exited(): Promise<Deno.CommandStatus> {
    const status = await this.process.status;
    await this.#done;
    return status;
  }

  /** Kills the process (if still running) and waits for it. */
  async kill(): Promise<void> {
    try {
      this.process.kill("SIGKILL");
    } catch {
      // already gone
    }
    await this.exited();
  }
}

/** Waits until `inst` is ready; kills it if it never gets there. */
async function whenReady(inst: Instance): Promise<Instance> {
  try {
    await inst.ready();
  } catch (e) {
    await inst.kill();
    throw e;
  }
  return inst;
}

/**
 * Writes `config` to a file in `dir` and starts `main.ts run -c` on it, waiting until ready.
 * A config that names no control address runs with `--disable-control`, so no test depends on
 * the machine-wide default 127.0.0.1:8837 being free.
 */
export async function startInstance(
  dir: string,
  config: string,
  args: string[] = [],
  name = "wmproxy.toml",
  env: Record<string, string> = {},
): Promise<Instance> {
  const path = `${dir}/${name}`;
  await Deno.writeTextFile(path, config);
  const namesControl = /^\s*(control|disable_control)\s*=/m.test(config) ||
    args.some((a) => a.startsWith("--control") || a === "--disable-control");
  const extra = namesControl ? args : [...args, "--disable-control"];
  return await whenReady(new Instance(path, extra, env));
}

/** Starts `main.ts` with a whole command line (no config file) and waits until ready. */
export function startCommand(
  args: string[],
  env: Record<string, string> = {},
): Promise<Instance> {
  return whenReady(new Instance("", args, env));
}

/** Calls a control endpoint verb; returns status and JSON body. */
export async function control(
  base: string,
  verb: string,
  init: RequestInit = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}/${verb}`, { method: "POST", ...init });
  return { status: res.status, body: await res.json() };
}
