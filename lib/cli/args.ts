import { parseArgs } from "node:util";
import { LOG_LEVELS, type LogLevel } from "../config/schema.ts";
import { UsageError } from "./errors.ts";

/** The verbs `wmproxy` understands. */
export const VERBS = [
  "run",
  "check",
  "reload",
  "stop",
  "proxy",
  "reverse-proxy",
  "ws-proxy",
  "version",
  "help",
] as const;
/** One of {@link VERBS}. */
export type Verb = typeof VERBS[number];

/** A parsed command line. */
export interface CliArgs {
  readonly verb: Verb;
  readonly help: boolean;
  readonly config?: string;
  readonly url?: string;
  readonly control?: string;
  readonly disableControl: boolean;
  readonly level?: LogLevel;
  readonly pidfile?: string;
  /** `proxy`: the address to listen on (`-b`). */
  readonly bind?: string;
  /** `proxy`: username clients must give. */
  readonly user?: string;
  /** `proxy`: password clients must give. */
  readonly pass?: string;
  /** `proxy`: protocols, e.g. `"http https socks5"`. */
  readonly flag?: string;
  /** `reverse-proxy`: address to listen on (`-f`). */
  readonly from?: string;
  /** `reverse-proxy`: where requests go (`-t`): `host:port` or `http://host:port`. */
  readonly to?: string;
  /** `reverse-proxy`: header rules (`-H`, repeatable). */
  readonly headers?: readonly string[];
  /** `reverse-proxy`: TLS was asked for (`--tls`), not supported yet. */
  readonly tls?: boolean;
  /** `reverse-proxy`: access log file (`--access-log`), not supported yet. */
  readonly accessLog?: string;
  /** `reverse-proxy`: the location passes WebSocket upgrades through (`--ws`). */
  readonly ws?: boolean;
  /** `ws-proxy`: `ws2tcp`, `tcp2ws` or `tcp2wss` (`--mode`). */
  readonly mode?: string;
  /** `ws-proxy`: Host for a ws:// target given by IP (`--domain`). */
  readonly domain?: string;
}

const SHARED = {
  help: { type: "boolean", short: "h" },
  control: { type: "string" },
  "disable-control": { type: "boolean" },
  verbose: { type: "boolean", short: "v" },
  "default-level": { type: "string" },
  pidfile: { type: "string" },
} as const;
const BY_VERB = {
  run: { config: { type: "string", short: "c" } },
  check: { config: { type: "string", short: "c" } },
  reload: { config: { type: "string", short: "c" }, url: { type: "string", short: "u" } },
  stop: { config: { type: "string", short: "c" }, url: { type: "string", short: "u" } },
  proxy: {
    bind: { type: "string", short: "b" },
    user: { type: "string" },
    pass: { type: "string" },
    flag: { type: "string" },
  },
  "reverse-proxy": {
    from: { type: "string", short: "f" },
    to: { type: "string", short: "t" },
    header: { type: "string", short: "H", multiple: true },
    tls: { type: "boolean" },
    "access-log": { type: "string" },
    ws: { type: "boolean" },
  },
  "ws-proxy": {
    from: { type: "string", short: "f" },
    to: { type: "string", short: "t" },
    mode: { type: "string" },
    domain: { type: "string" },
  },
  version: {},
  help: {},
} as const;

/** Parses `wmproxy [verb] [flags]`; a bare `-c FILE` means `run -c FILE`. Throws {@link UsageError}. */
export function parseCli(argv: readonly string[]): CliArgs {
  let verb: Verb = "help";
  let rest = [...argv];
  const first = argv[0];
  if (first !== undefined && !first.startsWith("-")) {
    if (!(VERBS as readonly string[]).includes(first)) {
      throw new UsageError(`unknown command ${JSON.stringify(first)}`);
    }
    verb = first as Verb;
    rest = argv.slice(1);
  } else if (first === "--version" || first === "-V") {
    return { verb: "version", help: false, disableControl: false };
  } else if (argv.some((a) => a === "-c" || a === "--config" || a.startsWith("--config="))) {
    verb = "run";
  }
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    values = parseArgs({
      args: rest,
      options: { ...SHARED, ...BY_VERB[verb] },
      strict: true,
      allowPositionals: false,
    }).values as Record<string, string | boolean | string[] | undefined>;
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify.*$/s, ""));
  }
  const help = values.help === true || (verb === "help");
  let level = values["default-level"] as string | undefined;
  if (level !== undefined) {
    level = level.toLowerCase() === "warning" ? "warn" : level.toLowerCase();
    if (!(LOG_LEVELS as readonly string[]).includes(level)) {
      throw new UsageError(
        `--default-level: ${JSON.stringify(level)} is not a log level, expected one of ${
          LOG_LEVELS.join(", ")
        }`,
      );
    }
  }
  if (values.verbose && level === undefined) level = "debug";
  const args: CliArgs = {
    verb,
    help,
    config: values.config as string | undefined,
    url: values.url as string | undefined,
    control: values.control as string | undefined,
    disableControl: values["disable-control"] === true,
    level: level as LogLevel | undefined,
    pidfile: values.pidfile as string | undefined,
    bind: values.bind as string | undefined,
    user: values.user as string | undefined,
    pass: values.pass as string | undefined,
    flag: values.flag as string | undefined,
    from: values.from as string | undefined,
    to: values.to as string | undefined,
    headers: values.header as string[] | undefined,
    tls: values.tls as boolean | undefined,
    accessLog: values["access-log"] as string | undefined,
    ws: values.ws as boolean | undefined,
    mode: values.mode as string | undefined,
    domain: values.domain as string | undefined,
  };
  if (!help && (verb === "run" || verb === "check") && !args.config) {
    throw new UsageError(`${verb} needs a config file: -c FILE`);
  }
  if (!help && verb === "reverse-proxy" && (!args.from || !args.to)) {
    throw new UsageError("reverse-proxy needs -f FROM and -t TO");
  }
  if (!help && verb === "ws-proxy" && (!args.from || !args.to || !args.mode)) {
    throw new UsageError("ws-proxy needs -f FROM, -t TO and --mode ws2tcp|tcp2ws|tcp2wss");
  }
  if (!help && (verb === "reload" || verb === "stop") && !args.config && !args.url) {
    if (!args.control) throw new UsageError(`${verb} needs -c FILE, -u URL or --control ADDR`);
  }
  return args;
}
