import denoJson from "../../deno.json" with { type: "json" };
import { ConfigErrors } from "../config/errors.ts";
import { listenerSpecs } from "../config/listeners.ts";
import { loadConfigFile } from "../config/load.ts";
import { DEFAULTS } from "../config/schema.ts";
import { tunnelListeners } from "../config/tunnel_listeners.ts";
import { validate, type Validated } from "../config/validate.ts";
import { callControl, ControlClientError, controlUrl } from "../control/client.ts";
import { log } from "../log/logger.ts";
import { closeLogging, LogFileError, setupLogging } from "../log/setup.ts";
import { App } from "../server/app.ts";
import { BindError, ControlBusyError, TunnelSetupError } from "../server/errors.ts";
import { readOpenFileLimit, readTcpMigrateReq } from "../server/sysctl.ts";
import { WorkerRequestError } from "../server/workers/worker_handle.ts";
import { parseWsTarget } from "../ws/target.ts";
import type { CliArgs } from "./args.ts";
import { FILE_SERVER_FLAG_PATHS, fileServerConfig } from "./file_server_config.ts";
import { helpText } from "./help.ts";
import { PROXY_FLAG_KEYS, proxySection } from "./proxy_config.ts";

/** The program's version, from deno.json. */
export const VERSION: string = denoJson.version;

/** Runs a parsed command line; resolves to the exit code. */
export async function runCli(args: CliArgs): Promise<number> {
  if (args.help) {
    console.log(helpText(args.verb));
    return 0;
  }
  switch (args.verb) {
    case "version":
      console.log(`wmproxy ${VERSION} (deno ${Deno.version.deno})`);
      return 0;
    case "check":
      return await check(args);
    case "run":
      return await run(args);
    case "proxy":
      return await proxy(args);
    case "reverse-proxy":
      return await reverseProxy(args);
    case "file-server":
      return await fileServer(args);
    case "ws-proxy":
      return await wsProxy(args);
    case "reload":
    case "stop":
      return await control(args, args.verb);
    default:
      console.log(helpText("help"));
      return 0;
  }
}

function overrides(args: CliArgs) {
  return {
    control: args.control,
    disableControl: args.disableControl,
    sharePorts: args.sharePorts,
    workers: args.workers,
  };
}

async function load(args: CliArgs): Promise<Validated | number> {
  try {
    return await loadConfigFile(args.config!, overrides(args));
  } catch (e) {
    if (!(e instanceof ConfigErrors)) throw e;
    console.error(e.message);
    return 2;
  }
}

async function check(args: CliArgs): Promise<number> {
  const loaded = await load(args);
  if (typeof loaded === "number") return loaded;
  for (const w of loaded.warnings) console.error(`warning: ${w}`);
  const specs = listenerSpecs(loaded.config);
  console.log(`${args.config}: ok, ${specs.length} listener${specs.length === 1 ? "" : "s"}`);
  for (const s of specs) {
    if (s.kind === "proxy") {
      const auth = s.settings.username === null ? "no auth" : "auth";
      console.log(`  ${s.name}  ${s.settings.flag.join(",")} ${s.bind_addr} (${auth})`);
      continue;
    }
    if (s.kind === "tunnel") continue; // listed below, with what each address serves
    if (s.kind === "http") {
      const hosts = s.settings.servers.map((v) => v.up_name.join(" ") || "*").join(", ");
      console.log(`  ${s.name}  reverse proxy for ${hosts}`);
      continue;
    }
    const targets = s.settings.upstream.server.map((u) => `${u.addr} (weight ${u.weight})`);
    console.log(
      `  ${s.name}  ${s.settings.bind_mode} ${s.settings.bind_addr} → ${targets.join(", ")}`,
    );
  }
  for (const t of tunnelListeners(loaded.config)) {
    const detail = t.detail === "" ? "" : ` ${t.detail}`;
    console.log(`  ${t.name}  ${t.role} ${t.bind_addr}${detail}`);
  }
  console.log(`  control  ${loaded.config.control ?? "disabled"}`);
  return 0;
}

async function run(args: CliArgs): Promise<number> {
  const loaded = await load(args);
  if (typeof loaded === "number") return loaded;
  return await serve(loaded, args.config!, args);
}

/**
 * `wmproxy proxy`: a forward proxy, or one end of a tunnel, from command-line flags alone, as
 * wmproxy's verb.
 */
async function proxy(args: CliArgs): Promise<number> {
  const section = proxySection(args);
  if (typeof section === "string") {
    console.error(`wmproxy proxy: ${section}`);
    return 2;
  }
  let loaded: Validated;
  try {
    loaded = validate({ proxy: section }, "", overrides(args));
  } catch (e) {
    if (!(e instanceof ConfigErrors)) throw e;
    console.error(
      e.message.replace(/^config:/, "wmproxy proxy:")
        .replace(/proxy\.([a-z_]+)/g, (all, key: string) => PROXY_FLAG_KEYS[key] ?? all),
    );
    return 2;
  }
  return await serve(loaded, null, args);
}

/**
 * `wmproxy reverse-proxy -f FROM -t TO [-H RULE]... [--tls] [--access-log FILE]`: one server,
 * one location, one target.
 */
async function reverseProxy(args: CliArgs): Promise<number> {
  const to = args.to!.replace(/\/+$/, "");
  // --tls: the target speaks HTTPS (wmproxy's meaning), as does an https:// target.
  const target = /^https?:\/\//.test(to)
    ? (args.tls ? to.replace(/^http:/, "https:") : to)
    : `${args.tls ? "https" : "http"}://${to}`;
  const logs = args.accessLog === undefined ? {} : {
    log_names: { access: args.accessLog },
    access_log: "access main",
  };
  const raw = {
    http: {
      ...logs,
      server: [{
        bind_addr: args.from,
        headers: args.headers ?? [],
        location: [{ rule: "/", proxy_url: target, ...(args.ws ? { is_ws: true } : {}) }],
      }],
    },
  };
  let loaded: Validated;
  try {
    loaded = validate(raw, "", overrides(args));
  } catch (e) {
    if (!(e instanceof ConfigErrors)) throw e;
    console.error(
      e.message.replace(/^config:/, "wmproxy reverse-proxy:")
        .replace(/http\.server\[0\]\.bind_addr/g, "-f")
        .replace(/http\.server\[0\]\.location\[0\]\.proxy_url/g, "-t")
        .replace(/http\.server\[0\]\.headers\[(\d+)\]/g, "-H #$1")
        .replace(/http\.log_names\.access/g, "--access-log"),
    );
    return 2;
  }
  return await serve(loaded, null, args);
}

/**
 * `wmproxy file-server [-r ROOT] [-l ADDR]... [-b] ...`: files on one location, as wmproxy's
 * verb, each address a `Deno.serve` listener.
 */
async function fileServer(args: CliArgs): Promise<number> {
  const flags = args.fileServer!;
  const tls = flags.listenSsl.length > 0 || flags.cert !== undefined || flags.key !== undefined;
  if (tls) {
    // The files themselves are checked by the config validation (exists, PEM, key matches).
    for (const [flag, set] of [["--cert", flags.cert], ["--key", flags.key]] as const) {
      if (set === undefined) {
        console.error(
          `wmproxy file-server: --listen-ssl needs --cert and --key; ${flag} is missing`,
        );
        return 2;
      }
    }
    if (flags.listenSsl.length === 0) {
      console.error("wmproxy file-server: --cert and --key need --listen-ssl ADDR");
      return 2;
    }
  }
  let loaded: Validated;
  try {
    const raw = fileServerConfig(flags, { headers: args.headers, accessLog: args.accessLog });
    loaded = validate(raw, "", overrides(args));
  } catch (e) {
    if (!(e instanceof ConfigErrors)) throw e;
    let message = e.message.replace(/^config:/, "wmproxy file-server:");
    for (const [re, flag] of FILE_SERVER_FLAG_PATHS) message = message.replace(re, flag);
    console.error(message);
    return 2;
  }
  // Validated like a config file, served on Deno.serve rather than the reverse proxy's front.
  return await serve(loaded, null, args, true);
}

/** `wmproxy ws-proxy -f FROM -t TO --mode MODE [--domain D]`: one `[[stream.server]]` bridge. */
async function wsProxy(args: CliArgs): Promise<number> {
  const mode = args.mode!.toLowerCase();
  const target = parseWsTarget(args.to!);
  const fail = (message: string) => {
    console.error(`wmproxy ws-proxy: ${message}`);
    return 2;
  };
  if (mode !== "ws2tcp" && mode !== "tcp2ws" && mode !== "tcp2wss") {
    return fail(
      `--mode: ${JSON.stringify(args.mode)} is not a mode, expected ws2tcp, tcp2ws or tcp2wss`,
    );
  }
  const wants = mode === "ws2tcp" ? "tcp" : "ws";
  if (
    target === undefined ||
    (target.scheme !== null && (target.scheme === "tcp") !== (wants === "tcp"))
  ) {
    return fail(
      `-t: ${JSON.stringify(args.to)} is not a target for ${mode}, expected host:port or ` +
        (wants === "tcp" ? "tcp://host:port" : "a ws:// or wss:// URL"),
    );
  }
  const url = target.scheme === null || target.scheme === "tcp"
    ? `${mode === "ws2tcp" ? "tcp" : mode === "tcp2wss" ? "wss" : "ws"}://${target.addr}${
      mode === "ws2tcp" ? "" : "/"
    }`
    : target.url;
  const server: Record<string, unknown> = { bind_addr: args.from, bind_mode: mode, proxy_url: url };
  if (args.domain !== undefined) server.domain = args.domain;
  let loaded: Validated;
  try {
    loaded = validate({ stream: { server: [server] } }, "", overrides(args));
  } catch (e) {
    if (!(e instanceof ConfigErrors)) throw e;
    console.error(
      e.message.replace(/^config:/, "wmproxy ws-proxy:")
        .replace(/stream\.server\[0\]\.bind_addr/g, "-f")
        .replace(/stream\.server\[0\]\.proxy_url/g, "-t")
        .replace(/stream\.server\[0\]\.domain/g, "--domain"),
    );
    return 2;
  }
  for (const w of loaded.warnings) {
    console.error(`warning: ${w.replace(/stream\.server\[0\]\.domain/, "--domain")}`);
  }
  return await serve(loaded, null, args);
}

/**
 * One warning when the open-file limit cannot hold the configured connections: two
 * descriptors per proxied connection, summed over the TCP listeners whose `max_connections`
 * was set (the default alone is a per-listener guard, not a reservation, and never warns).
 */
async function warnOpenFileLimit(loaded: Validated, logger: ReturnType<typeof log>) {
  const specs = listenerSpecs(loaded.config).filter((s) =>
    s.transport === "tcp" && s.max_connections_set
  );
  if (specs.length === 0) return;
  const needed = specs.reduce((sum, s) => sum + 2 * s.max_connections, 0);
  const limit = await readOpenFileLimit();
  if (limit === undefined || needed <= limit) return;
  logger.warn(
    "the open-file limit (ulimit -n) is {limit} but max_connections of {n} listeners need up " +
      "to {needed} descriptors (two per proxied connection); raise the limit or lower " +
      "max_connections",
    { limit, n: specs.length, needed },
  );
}

async function serve(
  loaded: Validated,
  configFile: string | null,
  args: CliArgs,
  fileServer = false,
): Promise<number> {
  try {
    await setupLogging({
      level: args.level ?? loaded.config.default_level,
      file: loaded.config.log_file,
    });
  } catch (e) {
    if (!(e instanceof LogFileError)) throw e;
    console.error(`wmproxy: ${e.message}`);
    return 1;
  }
  const logger = log("server");
  if (await readTcpMigrateReq() === 0) {
    logger.warn(
      "net.ipv4.tcp_migrate_req is 0: if another process takes over these ports with " +
        "reusePort, connections queued on ours are reset when we close; see docs/reload.md",
    );
  }
  await warnOpenFileLimit(loaded, logger);
  let app: App;
  try {
    app = await App.start(loaded, {
      configFile,
      overrides: overrides(args),
      logLevel: args.level,
      pidfile: args.pidfile,
      fileServer,
      // A quick config-less bridge beside another instance runs without a control endpoint;
      // a config file or an explicit --control means the user wants that endpoint.
      controlOptional: configFile === null && args.control === undefined,
    });
  } catch (e) {
    if (
      !(e instanceof BindError) && !(e instanceof ControlBusyError) &&
      !(e instanceof TunnelSetupError) && !(e instanceof WorkerRequestError) &&
      !(e instanceof Deno.errors.AddrInUse)
    ) throw e;
    const message = e instanceof BindError || e instanceof ControlBusyError ||
        e instanceof TunnelSetupError || e instanceof WorkerRequestError
      ? e.message
      : `control: ${(e as Error).message}`;
    logger.fatal("cannot start: {message}", { message });
    await closeLogging();
    return 1;
  }
  await app.finished;
  await closeLogging();
  return 0;
}

async function control(args: CliArgs, verb: "reload" | "stop"): Promise<number> {
  let base = args.url;
  let token: string | null = null;
  if (!base && args.config) {
    const loaded = await load({ ...args, disableControl: false });
    if (typeof loaded === "number") return loaded;
    base = `http://${args.control ?? loaded.config.control ?? DEFAULTS.control}`;
    token = loaded.config.control_token;
  }
  base ??= `http://${args.control}`;
  if (!controlUrl(base, verb)) {
    const flag = args.url ? "-u" : "--control";
    console.error(
      `wmproxy ${verb}: ${flag}: ${JSON.stringify(args.url ?? args.control)} is not a control ` +
        "endpoint, expected a URL like http://127.0.0.1:8837 (-u) or an address like " +
        "127.0.0.1:8837 (--control); see 'wmproxy --help'",
    );
    return 2;
  }
  try {
    const body = await callControl(base, verb, { token });
    console.log(String(body.message));
    return 0;
  } catch (e) {
    if (!(e instanceof ControlClientError)) throw e;
    console.error(`wmproxy ${verb}: ${e.message}`);
    const errors = (e.body as { errors?: string[] } | undefined)?.errors;
    for (const line of errors ?? []) console.error(`  ${line}`);
    return e.status === 400 ? 2 : 1;
  }
}
