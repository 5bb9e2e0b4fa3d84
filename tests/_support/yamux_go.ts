/**
 * hashicorp/yamux as an independent peer: builds tests/_support/go/yamux_peer with Debian's Go
 * toolchain and library (golang-go, golang-github-hashicorp-yamux-dev; see .ci/packages.txt)
 * and runs it with its stdout lines available to wait on.
 * @module
 */
import { decoder } from "./bytes.ts";

const SOURCE = new URL("./go/yamux_peer/", import.meta.url).pathname;
const GOPATH = "/usr/share/gocode";

/**
 * Builds the peer into a temporary directory (once per process). Throws a clear error when Go
 * or the yamux sources are missing, so the interop tests fail rather than skip on Linux.
 */
export function yamuxPeerBinary(): Promise<string> {
  built ??= build();
  return built;
}
let built: Promise<string> | undefined;

async function build(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "wmproxy-yamux-peer-" });
  globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
  const out = `${dir}/yamux_peer`;
  let result: Deno.CommandOutput;
  try {
    result = await new Deno.Command("go", {
      args: ["build", "-o", out, "."],
      cwd: SOURCE,
      env: { GO111MODULE: "off", GOPATH, GOCACHE: `${dir}/cache`, GOFLAGS: "" },
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        'the yamux interop tests need Go: install the Debian packages "golang-go" and ' +
          '"golang-github-hashicorp-yamux-dev" (listed in .ci/packages.txt)',
      );
    }
    throw error;
  }
  if (!result.success) {
    throw new Error(
      `building tests/_support/go/yamux_peer failed (is "golang-github-hashicorp-yamux-dev" ` +
        `installed?):\n${decoder.decode(result.stderr)}`,
    );
  }
  return out;
}

/** A running yamux_peer. */
export class YamuxPeer {
  readonly process: Deno.ChildProcess;
  /** stdout lines so far. */
  readonly lines: string[] = [];
  #waiters: { re: RegExp; resolve: (line: string) => void }[] = [];
  #done: Promise<void>;

  /** Starts `binary` with `args` (`server ...` or `client ADDR ...`). */
  constructor(binary: string, args: string[]) {
    this.process = new Deno.Command(binary, {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.#done = this.#collect();
  }

  /** The first line (so far or to come) matching `re`; fails if the peer exits first. */
  async line(re: RegExp): Promise<string> {
    const seen = this.lines.find((l) => re.test(l));
    if (seen) return seen;
    const error = this.lines.find((l) => l.startsWith("error:"));
    if (error) throw new Error(`yamux_peer: ${error}`);
    const line = await new Promise<string>((resolve) => this.#waiters.push({ re, resolve }));
    if (!re.test(line)) throw new Error(`yamux_peer: ${line}`);
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
        for (const w of this.#waiters.filter((w) => w.re.test(line) || line.startsWith("error:"))) {
          this.#waiters.splice(this.#waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
    // The peer exited: wake waiters with the end marker so they fail instead of hanging.
    for (const w of this.#waiters.splice(0)) w.resolve("error: yamux_peer exited");
  }
}
