/**
 * pires/go-proxyproto as an independent PROXY protocol peer: builds
 * tests/_support/go/proxyproto_peer with Debian's Go toolchain and library (golang-go,
 * golang-github-pires-go-proxyproto-dev; see .ci/packages.txt) and runs it with its stdout
 * lines available to wait on.
 * @module
 */
import { decoder } from "./bytes.ts";

const SOURCE = new URL("./go/proxyproto_peer/", import.meta.url).pathname;
const GOPATH = "/usr/share/gocode";
const PACKAGE = "golang-github-pires-go-proxyproto-dev";

/**
 * Builds the peer into a temporary directory (once per process). Throws a clear error when Go
 * or the go-proxyproto sources are missing, so the interop tests fail rather than skip.
 */
export function proxyprotoPeerBinary(): Promise<string> {
  built ??= build();
  return built;
}
let built: Promise<string> | undefined;

async function build(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "wmproxy-proxyproto-peer-" });
  globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
  const out = `${dir}/proxyproto_peer`;
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
        `the PROXY protocol interop tests need Go: install the Debian packages "golang-go" and ` +
          `"${PACKAGE}" (listed in .ci/packages.txt)`,
      );
    }
    throw error;
  }
  if (!result.success) {
    throw new Error(
      `building tests/_support/go/proxyproto_peer failed (is "${PACKAGE}" installed?):\n` +
        decoder.decode(result.stderr),
    );
  }
  return out;
}

/** A running proxyproto_peer. */
export class ProxyprotoPeer {
  readonly process: Deno.ChildProcess;
  /** stdout lines so far. */
  readonly lines: string[] = [];
  #waiters: { re: RegExp; from: number; resolve: (line: string) => void }[] = [];
  #exited = false;
  readonly #done: Promise<void>;

  /** Starts `binary` with `args` (`accept` or `send ...`). */
  constructor(binary: string, args: string[]) {
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
      (this.#exited ? "error: proxyproto_peer exited" : await new Promise<string>((resolve) => {
        this.#waiters.push({ re, from, resolve });
      }));
    if (!re.test(line)) throw new Error(`proxyproto_peer: ${line}`);
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
    for (const w of this.#waiters.splice(0)) w.resolve("error: proxyproto_peer exited");
  }
}
