import { HttpReader } from "../http/reader.ts";
import { parseResponseHead } from "../http/response_head.ts";
import { writeAll } from "../net/write.ts";
import { connectTcp, connectTls } from "../net/connect.ts";
import { startTimer, stopTimer, type Timer } from "../net/timer.ts";
import type { ActiveServerState, HealthRegistry } from "./health.ts";

/** What an active check needs to know of a server. */
export interface CheckedServer {
  /** `host:port`, the key for health state and the Host of the check request. */
  readonly addr: string;
  /** Host to connect to (IPv6 without brackets). */
  readonly hostname: string;
  /** Port to connect to. */
  readonly port: number;
  /** Consecutive successful checks that mark the server up again. */
  readonly rise_times: number;
  /** Consecutive failed checks that mark the server down. */
  readonly fall_times: number;
}

/** Options for {@link ActiveHealthCheck}. */
export interface ActiveHealthOptions {
  /** Path of the `GET` a check sends (2xx/3xx = healthy); empty: a TCP connect is the check. */
  readonly path: string;
  /** Milliseconds between the start of one round of checks and the next. */
  readonly intervalMs: number;
  /** Milliseconds one check may take (connect and response head). */
  readonly timeoutMs: number;
  /**
   * Passive health to clear when checks find a server healthy again (`rise_times` successes
   * in a row), so a server marked down by failed requests returns before its `fail_timeout`.
   * Each check's result is recorded there too (`ServerHealth.recordActive`), for other
   * Workers; when the registry {@link HealthRegistry.followsActive} (a Worker whose checks run
   * in main), this checker sends no checks and reports the results recorded there instead.
   */
  readonly health?: HealthRegistry;
  /** Check over TLS (an https upstream), with this SNI name or the server's hostname. @default null */
  readonly tls?: { readonly serverName?: string } | null;
  /** Bytes each check sends first, before any TLS handshake (a PROXY protocol header). @default none */
  readonly preface?: Uint8Array;
}

export type { ActiveServerState };

interface State {
  up: boolean;
  successes: number;
  failures: number;
  checks: number;
  lastError: string | null;
}

/**
 * Active health checks for one group of servers: every `intervalMs` each server gets an HTTP
 * `GET path` (healthy on a 2xx or 3xx status) or, with an empty path, a TCP connect. After
 * `fall_times` failures in a row a server is down; after `rise_times` successes in a row it
 * is up again and its passive failures are forgotten. Servers start up. Runs between
 * {@link start} and {@link stop}; a round never overlaps the previous one. Given a registry
 * that follows active checks run elsewhere, it only reports what they found.
 */
export class ActiveHealthCheck<T extends CheckedServer> {
  /** The servers checked, fixed for the checker's life. */
  readonly servers: readonly T[];
  readonly #options: ActiveHealthOptions;
  readonly #state = new Map<T, State>();
  readonly #open = new Set<Deno.Conn>();
  #timer: Timer = undefined;
  #round: Promise<void> | undefined;
  #running = false;
  #stopped = false;

  /** Creates a stopped checker over `servers`. */
  constructor(servers: readonly T[], options: ActiveHealthOptions) {
    this.servers = servers;
    this.#options = options;
    for (const s of servers) {
      this.#state.set(s, { up: true, successes: 0, failures: 0, checks: 0, lastError: null });
    }
  }

  /** Whether checks consider `server` up (servers not checked here count as up). */
  isUp(server: T): boolean {
    if (this.#follows) return this.#options.health!.get(server.addr).active?.up ?? true;
    return this.#state.get(server)?.up ?? true;
  }

  /** Whether results come from checks run elsewhere (see {@link ActiveHealthOptions.health}). */
  get #follows(): boolean {
    return this.#options.health?.followsActive === true;
  }

  /** Starts periodic checks (none when following); the first round runs at once. */
  start(): void {
    if (this.#running || this.#stopped || this.#follows) return;
    this.#running = true;
    this.#schedule(0);
  }

  /** Stops checking for good: cancels the next round and ends checks in progress. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#stopped = true;
    stopTimer(this.#timer);
    this.#timer = undefined;
    for (const c of this.#open) closeQuietly(c);
    await this.#round;
  }

  /** Checks every server once now (concurrently) and records the results. */
  checkOnce(): Promise<void> {
    this.#round ??= Promise.all(this.servers.map((s) => this.#check(s))).then(() => {
      this.#round = undefined;
    });
    return this.#round;
  }

  /** What checks found for each server, keyed by address. */
  snapshot(): Record<string, ActiveServerState> {
    const out: Record<string, ActiveServerState> = {};
    if (this.#follows) {
      for (const s of this.servers) {
        const found = this.#options.health!.get(s.addr).active;
        out[s.addr] = found ?? { up: true, successes: 0, failures: 0, checks: 0, last_error: null };
      }
      return out;
    }
    for (const [s, st] of this.#state) {
      out[s.addr] = {
        up: st.up,
        successes: st.successes,
        failures: st.failures,
        checks: st.checks,
        last_error: st.lastError,
      };
    }
    return out;
  }

  #schedule(delay: number): void {
    if (!this.#running) return;
    this.#timer = startTimer(() => {
      this.#timer = undefined;
      const started = Date.now();
      // The next round starts one interval after this one started, never before it ended.
      this.checkOnce().then(() =>
        this.#schedule(Math.max(0, this.#options.intervalMs - (Date.now() - started)))
      );
    }, delay);
  }

  async #check(server: T): Promise<void> {
    const error = await this.#probe(server);
    if (this.#stopped) return; // a check cut short by stop() says nothing about the server
    const st = this.#state.get(server)!;
    st.checks++;
    if (error === null) {
      st.successes++;
      st.failures = 0;
      st.lastError = null;
      if (st.successes >= server.rise_times) {
        st.up = true;
        const passive = this.#options.health?.get(server.addr);
        if (passive && !passive.isUp()) passive.recordSuccess();
      }
    } else {
      st.failures++;
      st.successes = 0;
      st.lastError = error;
      if (st.failures >= server.fall_times) st.up = false;
    }
    this.#options.health?.get(server.addr).recordActive({
      up: st.up,
      successes: st.successes,
      failures: st.failures,
      checks: st.checks,
      last_error: st.lastError,
    });
  }

  /** One check; null when healthy, else why not. */
  async #probe(server: T): Promise<string | null> {
    const { path, timeoutMs } = this.#options;
    const started = Date.now();
    const tls = this.#options.tls;
    let conn: Deno.Conn;
    try {
      conn = tls
        ? await connectTls(server.hostname, server.port, {
          timeout: timeoutMs,
          serverName: tls.serverName ?? server.hostname,
          preface: this.#options.preface,
        })
        : await connectTcp(server.hostname, server.port, { timeout: timeoutMs });
      if (!tls && this.#options.preface !== undefined) {
        await writeAll(conn, this.#options.preface).catch(() => closeQuietly(conn));
      }
    } catch (e) {
      return (e as Error).message;
    }
    this.#open.add(conn);
    const timer = startTimer(
      () => closeQuietly(conn),
      Math.max(1, timeoutMs - (Date.now() - started)),
    );
    const reader = path === "" ? null : new HttpReader(conn);
    try {
      if (!reader) return null;
      await writeAll(
        conn,
        new TextEncoder().encode(
          `GET ${path} HTTP/1.1\r\nHost: ${server.addr}\r\nUser-Agent: wmproxy-health-check\r\n` +
            "Accept: */*\r\nConnection: close\r\n\r\n",
        ),
      );
      while (true) {
        const bytes = await reader.readHead("response");
        if (bytes === null) {
          return Date.now() - started >= timeoutMs
            ? `no response within ${timeoutMs} ms`
            : "closed without a response";
        }
        const head = parseResponseHead(bytes);
        if (head.status < 200) continue;
        return head.status < 400 ? null : `status ${head.status}`;
      }
    } catch (e) {
      return (e as Error).message;
    } finally {
      stopTimer(timer);
      this.#open.delete(conn);
      reader?.release();
      closeQuietly(conn);
    }
  }
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // already closed
  }
}
