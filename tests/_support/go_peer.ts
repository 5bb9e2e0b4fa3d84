/**
 * Independent peers written in Go against Debian's Go libraries (tests/_support/go/NAME): built
 * once per process with Debian's toolchain (GOPATH=/usr/share/gocode, no modules), then run with
 * their stdout lines available to wait on. A missing toolchain or library fails the test with
 * the packages to install (see .ci/packages.txt), rather than skipping it.
 * @module
 */
import { decoder } from "./bytes.ts";

const GOPATH = "/usr/share/gocode";

/** Which peer to build and what it needs. */
export interface GoPeerSource {
  /** The folder under tests/_support/go/, also the binary's name: `yamux_peer`. */
  readonly name: string;
  /** The Debian package of the Go library it imports. */
  readonly library: string;
  /** Which tests need it, for the error message: `the yamux interop tests`. */
  readonly users: string;
}

const builds = new Map<string, Promise<string>>();

/** The peer's binary, built into a temporary directory on first use. */
export function goPeerBinary(source: GoPeerSource): Promise<string> {
  let built = builds.get(source.name);
  if (built === undefined) {
    built = build(source);
    builds.set(source.name, built);
  }
  return built;
}

async function build(source: GoPeerSource): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: `wmproxy-${source.name}-` });
  globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
  const out = `${dir}/${source.name}`;
  let result: Deno.CommandOutput;
  try {
    result = await new Deno.Command("go", {
      args: ["build", "-o", out, "."],
      cwd: new URL(`./go/${source.name}/`, import.meta.url).pathname,
      env: { GO111MODULE: "off", GOPATH, GOCACHE: `${dir}/cache`, GOFLAGS: "" },
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        `${source.users} need Go: install the Debian packages "golang-go" and ` +
          `"${source.library}" (listed in .ci/packages.txt)`,
      );
    }
    throw error;
  }
  if (!result.success) {
    throw new Error(
      `building tests/_support/go/${source.name} failed (is "${source.library}" installed?):\n` +
        decoder.decode(result.stderr),
    );
  }
  return out;
}

/** A running Go peer. */
export class GoPeer {
  readonly process: Deno.ChildProcess;
  /** stdout lines so far. */
  readonly lines: string[] = [];
  readonly #name: string;
  #waiters: { re: RegExp; from: number; resolve: (line: string) => void }[] = [];
  #exited = false;
  readonly #done: Promise<void>;

  /** Starts `binary` (named `name` in errors) with `args`. */
  constructor(name: string, binary: string, args: string[]) {
    this.#name = name;
    this.process = new Deno.Command(binary, {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.#done = this.#collect();
  }

  /**
   * The first line from index `from` on (so far or to come) matching `re`; fails if the peer
   * prints an `error:` line or exits first.
   */
  async line(re: RegExp, from = 0): Promise<string> {
    const line = this.lines.slice(from).find((l) => re.test(l) || l.startsWith("error:")) ??
      (this.#exited ? `error: ${this.#name} exited` : await new Promise<string>((resolve) => {
        this.#waiters.push({ re, from, resolve });
      }));
    if (!re.test(line)) throw new Error(`${this.#name}: ${line}`);
    return line;
  }

  /** Waits for the exit; the status and every line. */
  async finished(): Promise<{ code: number; lines: string[] }> {
    const status = await this.process.status;
    await this.#done;
    return { code: status.code, lines: this.lines };
  }

  /** Kills the peer if it still runs, then waits for it. */
  async kill(): Promise<void> {
    try {
      this.process.kill("SIGKILL");
    } catch {
      // exited already
    }
    await this.finished();
  }

  async #collect(): Promise<void> {
    let rest = "";
    for await (const chunk of this.process.stdout) {
      rest += decoder.decode(chunk, { stream: true });
      let nl;
      while ((nl = rest.indexOf("\n")) >= 0) {
        const line = rest.slice(0, nl);
        rest = rest.slice(nl + 1);
        this.lines.push(line);
        const index = this.lines.length - 1;
        this.#waiters = this.#waiters.filter((w) => {
          if (index < w.from || !(w.re.test(line) || line.startsWith("error:"))) return true;
          w.resolve(line);
          return false;
        });
      }
    }
    // The peer exited: wake waiters with the end marker so they fail instead of hanging.
    this.#exited = true;
    for (const w of this.#waiters.splice(0)) w.resolve(`error: ${this.#name} exited`);
  }
}
