import { dirname } from "node:path";
import { ConfigErrors } from "../config/errors.ts";
import { loadConfigFile } from "../config/load.ts";
import { listenerSpecs } from "../config/listeners.ts";
import { redact } from "../config/redact.ts";
import type { Config } from "../config/schema.ts";
import type { LogLevel } from "../log/level.ts";
import type { Validated, ValidateOptions } from "../config/validate.ts";
import { type ControlServer, startControl, startMetrics } from "../control/server.ts";
import { REGISTRY } from "../metrics/families.ts";
import { renderMetrics } from "./metrics.ts";
import type { ControlReply, ControlTarget } from "../control/types.ts";
import { log } from "../log/logger.ts";
import { LogFileError, setupLogging } from "../log/setup.ts";
import { formatAddress, parseAddress } from "../net/address.ts";
import { closeTurns, openTurns } from "../net/turns.ts";
import { BindError, ControlBusyError, TunnelSetupError } from "./errors.ts";
import { type MemoryWatch, watchMemory } from "./memory_release.ts";
import { OwnPorts } from "./own_ports.ts";

import { Supervisor } from "./supervisor.ts";
import { WorkerPool } from "./workers/pool.ts";
import { isSpreadable, workerCount } from "./workers/spread.ts";
import { WorkerRequestError } from "./workers/worker_handle.ts";

/** How a running instance was started; reloads re-read the same file with the same overrides. */
export interface AppOptions {
  /** The config file `/reload` and `/adapt` read; null when the config did not come from a file. */
  configFile: string | null;
  /** Command-line overrides applied to every generation. */
  overrides?: Omit<ValidateOptions, "file">;
  /** Log level forced by the command line (`-v`, `--default-level`). */
  logLevel?: LogLevel;
  /** Pid file forced by the command line (`--pidfile`). */
  pidfile?: string;
  /** Serve `[http]` addresses as `wmproxy file-server` does (see `SupervisorOptions`). @default false */
  fileServer?: boolean;
  /**
   * A busy control address at start is a warning and the instance runs without a control
   * endpoint, rather than a {@link ControlBusyError} (the config-less verbs, when the user did
   * not name `--control`). @default false
   */
  controlOptional?: boolean;
}

const logger = log("server");

/**
 * A running wmproxy: the listener pool, the control endpoint, signals and the pid file.
 * Implements what the control endpoint asks for.
 */
export class App implements ControlTarget {
  readonly #options: AppOptions;
  readonly #supervisor: Supervisor;
  /** With `workers > 1`: the workers and {@link #supervisor}, applied together. */
  #pool: WorkerPool | undefined;
  /** The ports this process serves on, which the forward proxy refuses as targets. */
  readonly #ownPorts = new OwnPorts();
  readonly #started = Date.now();
  #control: ControlServer | undefined;
  /** `metrics_addr`'s endpoint, when set. */
  #metricsServer: ControlServer | undefined;
  #reloadsOk = 0;
  #reloadsFailed = 0;
  #config: Config;
  #queue: Promise<unknown> = Promise.resolve();
  #stopping: Promise<void> | undefined;
  #resolveFinished!: () => void;
  #signals: [Deno.Signal, () => void][] = [];
  #pidfile: string | null = null;
  #memory: MemoryWatch | undefined;
  /** Resolves once the instance has stopped and drained. */
  readonly finished: Promise<void>;

  private constructor(config: Config, options: AppOptions, workers: number) {
    this.#config = config;
    this.#options = options;
    this.#supervisor = new Supervisor({
      configDir: options.configFile ? dirname(options.configFile) : undefined,
      fileServer: options.fileServer,
      ownPorts: this.#ownPorts,
      // With workers, the main isolate keeps only what cannot be spread over them.
      // With workers, the pool logs each generation's line for every part.
      ...(workers > 1 ? { filter: (s) => !isSpreadable(s), announce: false } : {}),
    });
    this.finished = new Promise((r) => (this.#resolveFinished = r));
  }

  /** Binds every listener and the control endpoint; throws {@link BindError} if any cannot bind. */
  static async start(validated: Validated, options: AppOptions): Promise<App> {
    const workers = workerCount(validated.config);
    const app = new App(validated.config, options, workers);
    for (const w of validated.warnings) logger.warn(w);
    if (workers > 1) {
      app.#pool = await WorkerPool.start({
        count: workers,
        main: app.#supervisor,
        ownPorts: app.#ownPorts,
        log: app.#workerLog(validated.config),
        configDir: options.configFile ? dirname(options.configFile) : undefined,
        fileServer: options.fileServer,
        testHooks: Deno.env.get("WMPROXY_TEST_HOOKS") === "1",
      });
      try {
        await app.#pool.apply(validated.config);
      } catch (e) {
        await app.#pool.stop(0);
        throw e;
      }
    } else {
      await app.#supervisor.apply(validated.config);
    }
    try {
      app.#control = app.#bindControl(validated.config);
      app.#metricsServer = app.#bindMetrics(validated.config);
      app.#publishControl();
    } catch (e) {
      if (!(e instanceof ControlBusyError) || !options.controlOptional) {
        await app.#control?.shutdown();
        await (app.#pool ?? app.#supervisor).stop(0);
        throw e;
      }
      logger.warn(
        "control {address} is already in use (another wmproxy?); this instance runs without " +
          "a control endpoint",
        { address: e.address },
      );
    }
    app.#pidfile = options.pidfile ?? validated.config.pidfile;
    if (app.#pidfile) await Deno.writeTextFile(app.#pidfile, `${Deno.pid}\n`);
    // Fair turns for connections while the thread is saturated (see lib/net/turns.ts).
    await openTurns();
    app.#listenSignals();
    app.#memory = watchMemory();
    const control = app.#control ? `http://${formatAddress(app.#control.addr)}` : "disabled";
    logger.info("ready: {n} listeners, control endpoint {control}{workers}", {
      n: (await (app.#pool ?? app.#supervisor).status()).listeners.length,
      control,
      workers: workers > 1 ? `, ${workers} workers` : "",
    });
    return app;
  }

  /** The control endpoint's bound address, when enabled. */
  get controlAddr(): Deno.NetAddr | undefined {
    return this.#control?.addr;
  }

  now(): ControlReply {
    return {
      status: 200,
      body: {
        message: "ok",
        generation: this.#generation,
        file: this.#options.configFile,
        config: redact(this.#config),
      },
    };
  }

  async status(): Promise<ControlReply> {
    return {
      status: 200,
      body: {
        message: "ok",
        generation: this.#generation,
        uptime_seconds: Math.round((Date.now() - this.#started) / 1000),
        pid: Deno.pid,
        ...(await (this.#pool ?? this.#supervisor).status()),
      },
    };
  }

  async metrics(): Promise<string> {
    const workers = this.#pool?.metrics();
    const main = [...this.#supervisor.metrics(), ...REGISTRY.snapshot()];
    const isolates = [main, ...(await workers ?? [])];
    return renderMetrics(isolates, {
      generation: this.#generation,
      reloadsOk: this.#reloadsOk,
      reloadsFailed: this.#reloadsFailed,
      uptimeSeconds: Math.round((Date.now() - this.#started) / 1000),
      workers: this.#pool?.count ?? 1,
    }, this.#supervisor.tunnelStatus());
  }

  /** The running generation (with workers, the one every worker and the main isolate run). */
  get #generation(): number {
    return (this.#pool ?? this.#supervisor).generation;
  }

  #workerLog(config: Config): { level: LogLevel; file: string | null } {
    return { level: this.#options.logLevel ?? config.default_level, file: config.log_file };
  }

  /**
   * The hidden test hooks (only with `WMPROXY_TEST_HOOKS=1`): `/test/worker-throw?id=N`
   * makes worker N throw an uncaught error, `/test/worker-fail-apply?id=N` makes it refuse
   * its next generation.
   */
  async testHook(path: string, params: URLSearchParams): Promise<ControlReply | undefined> {
    if (Deno.env.get("WMPROXY_TEST_HOOKS") !== "1" || !this.#pool) return undefined;
    const action = path === "/test/worker-throw"
      ? "throw"
      : path === "/test/worker-fail-apply"
      ? "fail-next-apply"
      : undefined;
    if (!action) return undefined;
    await this.#pool.test(Number(params.get("id") ?? 0), action);
    return { status: 200, body: { message: "ok" } };
  }

  reload(): Promise<ControlReply> {
    return this.#serial(async () => {
      const reply = await this.#reload();
      if (reply.status === 200) this.#reloadsOk++;
      else if (reply.status !== 503 && reply.status !== 409) this.#reloadsFailed++;
      return reply;
    });
  }

  adapt(): Promise<ControlReply> {
    return this.#serial(async () => {
      const loaded = await this.#load();
      if ("status" in loaded) return loaded;
      return {
        status: 200,
        body: {
          message: "valid; nothing applied",
          warnings: loaded.warnings,
          diff: (this.#pool ?? this.#supervisor).diff(loaded.config),
        },
      };
    });
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    logger.info("stopping: draining open connections for up to {s}s", {
      s: this.#config.shutdown_timeout,
    });
    for (const [sig, fn] of this.#signals) Deno.removeSignalListener(sig, fn);
    this.#memory?.stop();
    const control = this.#control;
    this.#control = undefined;
    const metrics = this.#metricsServer;
    this.#metricsServer = undefined;
    await Promise.all([
      control?.shutdown(),
      metrics?.shutdown(),
      (this.#pool ?? this.#supervisor).stop(this.#config.shutdown_timeout * 1000),
    ]);
    closeTurns();
    if (this.#pidfile) await Deno.remove(this.#pidfile).catch(() => {});
    logger.info("stopped");
    this.#resolveFinished();
  }

  async #reload(): Promise<ControlReply> {
    if (this.#stopping) return { status: 503, body: { message: "stopping" } };
    const loaded = await this.#load();
    if ("status" in loaded) {
      logger.warn("reload refused, the running config is unchanged:\n{errors}", {
        errors: (loaded.body.errors as string[]).join("\n"),
      });
      return loaded;
    }
    const { config } = loaded;
    const warnings = [...loaded.warnings];
    if (workerCount(config) !== workerCount(this.#config)) {
      warnings.push(
        `workers: ${workerCount(this.#config)} running, ${workerCount(config)} in the file; ` +
          "a change of workers takes effect at restart",
      );
    }
    for (const w of warnings) logger.warn(w);
    const relog = config.default_level !== this.#config.default_level ||
      config.log_file !== this.#config.log_file;
    const oldControl = this.#control;
    let newControl: ControlServer | undefined = oldControl;
    const oldMetrics = this.#metricsServer;
    let newMetrics: ControlServer | undefined = oldMetrics;
    try {
      if (config.metrics_addr !== this.#config.metrics_addr) {
        newMetrics = this.#bindMetrics(config);
      }
      if (config.control !== this.#config.control) {
        newControl = this.#bindControl(config);
        // Both refused while the endpoint moves.
        this.#publishControl(newControl);
      }
      if (relog) await this.#setupLogging(config);
      const diff = await (this.#pool ?? this.#supervisor).apply(config);
      if (newControl !== oldControl) {
        this.#control = newControl;
        // The reply to this very request travels over the old endpoint: do not wait for it.
        oldControl?.shutdown();
      }
      if (newMetrics !== oldMetrics) {
        this.#metricsServer = newMetrics;
        oldMetrics?.shutdown();
      }
      this.#publishControl();
      this.#control?.setToken(config.control_token);
      this.#metricsServer?.setToken(config.control_token);
      this.#config = config;
      return {
        status: 200,
        body: { message: "reloaded", generation: this.#generation, diff, warnings },
      };
    } catch (e) {
      if (newControl !== oldControl) await newControl?.shutdown();
      if (newMetrics !== oldMetrics) await newMetrics?.shutdown();
      this.#publishControl();
      if (relog) await this.#setupLogging(this.#config).catch(() => {});
      if (e instanceof LogFileError) {
        return { status: 400, body: { message: `${e.message}; the running config is unchanged` } };
      }
      if (
        !(e instanceof BindError) && !(e instanceof ControlBusyError) &&
        !(e instanceof TunnelSetupError) && !(e instanceof WorkerRequestError) &&
        !isBindFailure(e)
      ) {
        throw e;
      }
      const message = e instanceof BindError || e instanceof ControlBusyError ||
          e instanceof TunnelSetupError || e instanceof WorkerRequestError
        ? e.message
        : `control: ${(e as Error).message}`;
      logger.error("reload failed, rolled back: {message}", { message });
      return { status: 500, body: { message: `reload failed, rolled back: ${message}` } };
    }
  }

  async #load(): Promise<Validated | ControlReply> {
    if (!this.#options.configFile) {
      return { status: 409, body: { message: "this instance was not started from a config file" } };
    }
    const file = this.#options.configFile;
    let loaded: Validated;
    try {
      // The control endpoint stays where it runs unless the new file names another address.
      loaded = await loadConfigFile(file, {
        ...this.#options.overrides,
        controlFallback: this.#config.control ?? undefined,
      });
    } catch (e) {
      if (!(e instanceof ConfigErrors)) throw e;
      return refused(e.errors.map((x) => `${e.file}: ${x.message}`));
    }
    // A tunnel client serves through its sessions: it may have no listener of its own.
    const serves = listenerSpecs(loaded.config).length > 0 ||
      (loaded.config.tunnel ?? null) !== null;
    if (!loaded.config.allow_no_listeners && !serves) {
      // Most often a file read while an editor or cp was writing it.
      return refused([
        `${file}: the new config has no listeners (an empty or truncated file?); set ` +
        "allow_no_listeners = true to run without any",
      ]);
    }
    return loaded;
  }

  /** Tells the registry the control endpoint's port (and `also`'s, while it moves). */
  #publishControl(also?: ControlServer): void {
    const ports = [this.#control, also].flatMap((c) => c ? [c.addr.port] : []);
    this.#ownPorts.setControl(ports);
    this.#pool?.publishPorts();
  }

  /** Starts the control endpoint `config` names; throws {@link ControlBusyError} when taken. */
  #bindControl(config: Config): ControlServer | undefined {
    if (!config.control) return undefined;
    const addr = parseAddress(config.control)!;
    try {
      return startControl(addr.hostname, addr.port, this, { token: config.control_token });
    } catch (e) {
      if (e instanceof Deno.errors.AddrInUse) throw new ControlBusyError(config.control, e);
      throw e;
    }
  }

  /** Starts `metrics_addr`'s endpoint; throws {@link BindError} when it cannot bind. */
  #bindMetrics(config: Config): ControlServer | undefined {
    if (!config.metrics_addr) return undefined;
    const addr = parseAddress(config.metrics_addr)!;
    try {
      return startMetrics(addr.hostname, addr.port, this, { token: config.control_token });
    } catch (e) {
      if (isBindFailure(e)) throw new BindError("metrics_addr", config.metrics_addr, e);
      throw e;
    }
  }

  async #setupLogging(config: Config): Promise<void> {
    await setupLogging({
      level: this.#options.logLevel ?? config.default_level,
      file: config.log_file,
    });
    await this.#pool?.relog(this.#workerLog(config));
  }

  #listenSignals(): void {
    const on = (sig: Deno.Signal, fn: () => void) => {
      try {
        Deno.addSignalListener(sig, fn);
        this.#signals.push([sig, fn]);
      } catch {
        // signal not available on this platform
      }
    };
    on("SIGTERM", () => this.stop());
    on("SIGINT", () => this.stop());
    on("SIGHUP", () => {
      this.reload().then((r) => logger.info("SIGHUP: {message}", { message: r.body.message }));
    });
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => {});
    return run;
  }
}

function isBindFailure(e: unknown): boolean {
  return e instanceof Deno.errors.AddrInUse || e instanceof Deno.errors.PermissionDenied ||
    e instanceof Deno.errors.AddrNotAvailable;
}

function refused(errors: string[]): ControlReply {
  return {
    status: 400,
    body: { message: "invalid config; the running config is unchanged", errors },
  };
}
