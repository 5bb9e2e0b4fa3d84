/**
 * An independent HTTP/2 client to test against: `h2_peer.py` (python3-h2) run with Debian's
 * python3, driven by commands and read as events, one a line (the script's doc lists them).
 * @module
 */
import { pythonFor } from "./python.ts";

const SCRIPT = new URL("./h2_peer.py", import.meta.url).pathname;

/** Options for {@link startH2Peer}. */
export interface H2PeerOptions {
  /** The client's initial stream window (SETTINGS_INITIAL_WINDOW_SIZE). @default h2's 65535 */
  readonly window?: number;
  /** Never give flow-control credit back (no WINDOW_UPDATE). @default false */
  readonly noWindowUpdate?: boolean;
}

/** A running h2 client on one TLS connection. */
export class H2Peer {
  /** Every event line so far. */
  readonly lines: string[] = [];
  readonly #child: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly #done: Promise<void>;
  #waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  #exited = false;
  #stderr = "";

  constructor(child: Deno.ChildProcess) {
    this.#child = child;
    this.#stdin = child.stdin.getWriter();
    this.#done = Promise.all([this.#collect(), this.#errors()]).then(() => {});
  }

  async #collect(): Promise<void> {
    let rest = "";
    for await (const chunk of this.#child.stdout.pipeThrough(new TextDecoderStream())) {
      rest += chunk;
      let i;
      while ((i = rest.indexOf("\n")) >= 0) {
        const line = rest.slice(0, i);
        rest = rest.slice(i + 1);
        this.lines.push(line);
        this.#waiters = this.#waiters.filter((w) => {
          if (!w.re.test(line)) return true;
          w.resolve(line);
          return false;
        });
      }
    }
    this.#exited = true;
    for (const w of this.#waiters) w.resolve("");
  }

  async #errors(): Promise<void> {
    for await (const chunk of this.#child.stderr.pipeThrough(new TextDecoderStream())) {
      this.#stderr += chunk;
    }
  }

  /** Sends one command line. */
  async send(command: string): Promise<void> {
    await this.#stdin.write(new TextEncoder().encode(command + "\n"));
  }

  /** Resolves with the first event line matching `re`; rejects on exit or after `timeoutMs`. */
  waitFor(re: RegExp, timeoutMs = 20_000): Promise<string> {
    const hit = this.lines.find((l) => re.test(l));
    if (hit !== undefined) return Promise.resolve(hit);
    if (this.#exited) {
      return Promise.reject(new Error(`h2 peer exited before ${re}:\n${this.log()}`));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`h2 peer: no event matching ${re} in ${timeoutMs} ms:\n${this.log()}`)),
        timeoutMs,
      );
      this.#waiters.push({
        re,
        resolve: (l) => {
          clearTimeout(timer);
          if (l === "") reject(new Error(`h2 peer exited before ${re}:\n${this.log()}`));
          else resolve(l);
        },
      });
    });
  }

  /** Events and stderr so far, for failure messages. */
  log(): string {
    return `${this.lines.join("\n")}\n${this.#stderr}`;
  }

  /** Waits for the script to exit by itself (after `closed`, `error`, or `close`). */
  async exited(): Promise<Deno.CommandStatus> {
    const status = await this.#child.status;
    await this.#done;
    return status;
  }

  /** Closes the connection (the `close` command, then stdin) and waits for the exit. */
  async close(): Promise<void> {
    try {
      await this.send("close");
      await this.#stdin.close();
    } catch {
      // already gone
    }
    await this.exited();
  }
}

/**
 * Starts `h2_peer.py` against 127.0.0.1:`port` as `serverName` (TLS trusting `caFile`, ALPN
 * h2) and waits for its `ready` event.
 */
export async function startH2Peer(
  port: number,
  tls: { serverName: string; caFile: string },
  options: H2PeerOptions = {},
): Promise<H2Peer> {
  const python = await pythonFor(["h2"]);
  const args = [SCRIPT, "127.0.0.1", String(port), tls.serverName, tls.caFile];
  if (options.window !== undefined) args.push("--window", String(options.window));
  if (options.noWindowUpdate) args.push("--no-window-update");
  const child = new Deno.Command(python, {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const peer = new H2Peer(child);
  try {
    await peer.waitFor(/^ready$/);
  } catch (e) {
    await peer.close();
    throw e;
  }
  return peer;
}
