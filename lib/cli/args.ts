import { parseArgs } from "node:util";
import { LOG_LEVELS, type LogLevel } from "../log/level.ts";
import { UsageError } from "./errors.ts";

/** The verbs `wmproxy` understands. */
export const VERBS = [
  "run",
  "check",
  "reload",
  "stop",
  "proxy",
  "reverse-proxy",
  "file-server",
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
  /** `--share-ports`: bind addresses another process holds with reusePort. @default false */
  readonly sharePorts?: boolean;
  /** `--workers N|auto`: isolates accepting TCP connections (`workers`). @default the config's */
  readonly workers?: number | "auto";
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
  /** `reverse-proxy`: the target speaks HTTPS (`--tls`). */
  readonly tls?: boolean;
  /** `reverse-proxy`: access log file (`--access-log`). */
  readonly accessLog?: string;
  /** `reverse-proxy`: the location passes WebSocket upgrades through (`--ws`). */
  readonly ws?: boolean;
  /** `ws-proxy`: `ws2tcp`, `tcp2ws` or `tcp2wss` (`--mode`). */
  readonly mode?: string;
  /** `ws-proxy`: Host for a ws:// target given by IP (`--domain`). */
  readonly domain?: string;
  /** `file-server`: its flags (set for that verb only). */
  readonly fileServer?: FileServerFlags;
  /** `proxy`: the tunnel flags (set for that verb only, when one of them is given). */
  readonly tunnel?: TunnelFlags;
}

/**
 * The tunnel flags of `wmproxy proxy` (wmproxy's names): `-S` makes a tunnel client, the server
 * flags (`--tc`, `--cert`, `--key`, `--map-*`) a tunnel server whose `-b` is where clients
 * connect.
 */
export interface TunnelFlags {
  /** `-S`, `--server`: tunnel servers to connect to, repeatable. @default [] */
  readonly server: readonly string[];
  /** `--ts`: connect to the server over TLS. @default false */
  readonly ts: boolean;
  /** `--domain`: the name the server's certificate is checked against. @default the host of -S */
  readonly domain?: string;
  /** `--ca`: a CA or the server's own certificate to trust (PEM file). @default system roots */
  readonly ca?: string;
  /** `--tc`: accept tunnel clients over TLS. @default false */
  readonly tc: boolean;
  /** `--cert`: the server's certificate file (with `--tc`). @default a self-signed pair */
  readonly cert?: string;
  /** `--key`: its key file. @default a self-signed pair */
  readonly key?: string;
  /** `--map-http-bind`: the clients' http mappings, by Host. @default none */
  readonly mapHttpBind?: string;
  /** `--map-https-bind`: the clients' https mappings, by SNI. @default none */
  readonly mapHttpsBind?: string;
  /** `--map-tcp-bind`: the clients' tcp mapping. @default none */
  readonly mapTcpBind?: string;
  /** `--map-cert`: the certificate of `--map-https-bind`. @default a self-signed pair */
  readonly mapCert?: string;
  /** `--map-key`: its key. @default a self-signed pair */
  readonly mapKey?: string;
}

/** The flags of `wmproxy file-server` (wmproxy's names); `-H` and `--access-log` are shared. */
export interface FileServerFlags {
  /** `-r`: the directory served. @default "" (working directory) */
  readonly root: string;
  /** `-l`: addresses to listen on. @default ["127.0.0.1:8869"] */
  readonly listen: readonly string[];
  /** `--listen-ssl`: TLS addresses (with `--cert` and `--key`). @default [] */
  readonly listenSsl: readonly string[];
  /** `--cert`: the TLS certificate file. @default none */
  readonly cert?: string;
  /** `--key`: the TLS key file. @default none */
  readonly key?: string;
  /** `-d`: the host name answered. @default any */
  readonly domain?: string;
  /** `-b`: list directories. @default false */
  readonly browse: boolean;
  /** `--robots`: the body of `/robots.txt`. @default none */
  readonly robots?: string;
  /** `--path404`: the page sent with 404. @default none */
  readonly path404?: string;
  /** `-c`: `Cache-Control: max-age`, a duration. @default none */
  readonly cacheTime?: string;
  /** `-e EXT=MIME`, repeatable. @default [] */
  readonly extMimetype: readonly string[];
  /** `--cors`: send `Access-Control-Allow-Origin: *`. @default false */
  readonly cors: boolean;
}

const SHARED = {
  help: { type: "boolean", short: "h" },
  control: { type: "string" },
  "disable-control": { type: "boolean" },
  "share-ports": { type: "boolean" },
  workers: { type: "string" },
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
    server: { type: "string", short: "S", multiple: true },
    ts: { type: "boolean" },
    domain: { type: "string" },
    ca: { type: "string" },
    tc: { type: "boolean" },
    cert: { type: "string" },
    key: { type: "string" },
    "map-http-bind": { type: "string" },
    "map-https-bind": { type: "string" },
    "map-tcp-bind": { type: "string" },
    "map-cert": { type: "string" },
    "map-key": { type: "string" },
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
  "file-server": {
    root: { type: "string", short: "r" },
    listen: { type: "string", short: "l", multiple: true },
    "listen-ssl": { type: "string", multiple: true },
    cert: { type: "string" },
    key: { type: "string" },
    domain: { type: "string", short: "d" },
    browse: { type: "boolean", short: "b" },
    robots: { type: "string" },
    path404: { type: "string" },
    "cache-time": { type: "string", short: "c" },
    "ext-mimetype": { type: "string", short: "e", multiple: true },
    cors: { type: "boolean" },
    header: { type: "string", short: "H", multiple: true },
    "access-log": { type: "string" },
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
  const workers = parseWorkers(values.workers as string | undefined);
  const args: CliArgs = {
    verb,
    help,
    config: values.config as string | undefined,
    url: values.url as string | undefined,
    control: values.control as string | undefined,
    disableControl: values["disable-control"] === true,
    sharePorts: values["share-ports"] === true,
    ...(workers === undefined ? {} : { workers }),
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
    ...(verb === "file-server" ? { fileServer: fileServerFlags(values) } : {}),
    ...(verb === "proxy" && TUNNEL_FLAGS.some((f) => values[f] !== undefined)
      ? { tunnel: tunnelFlags(values) }
      : {}),
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

/** `--workers`: a whole number from 1 to 256, or `auto`. */
function parseWorkers(v: string | undefined): number | "auto" | undefined {
  if (v === undefined) return undefined;
  if (v.toLowerCase() === "auto") return "auto";
  const n = Number(v);
  if (/^\d+$/.test(v) && n >= 1 && n <= 256) return n;
  throw new UsageError(
    `--workers: ${JSON.stringify(v)} is not a number of workers, expected 1 to 256 or auto`,
  );
}

/** The `proxy` flags of {@link TunnelFlags}. */
const TUNNEL_FLAGS = [
  "server",
  "ts",
  "domain",
  "ca",
  "tc",
  "cert",
  "key",
  "map-http-bind",
  "map-https-bind",
  "map-tcp-bind",
  "map-cert",
  "map-key",
] as const;

function tunnelFlags(v: Record<string, string | boolean | string[] | undefined>): TunnelFlags {
  const text = (k: string) => v[k] as string | undefined;
  return {
    server: (v.server as string[] | undefined) ?? [],
    ts: v.ts === true,
    domain: text("domain"),
    ca: text("ca"),
    tc: v.tc === true,
    cert: text("cert"),
    key: text("key"),
    mapHttpBind: text("map-http-bind"),
    mapHttpsBind: text("map-https-bind"),
    mapTcpBind: text("map-tcp-bind"),
    mapCert: text("map-cert"),
    mapKey: text("map-key"),
  };
}

function fileServerFlags(
  v: Record<string, string | boolean | string[] | undefined>,
): FileServerFlags {
  const list = (k: string) => (v[k] as string[] | undefined) ?? [];
  return {
    root: (v.root as string | undefined) ?? "",
    listen: list("listen").length > 0 ? list("listen") : ["127.0.0.1:8869"],
    listenSsl: list("listen-ssl"),
    cert: v.cert as string | undefined,
    key: v.key as string | undefined,
    domain: v.domain as string | undefined,
    browse: v.browse === true,
    robots: v.robots as string | undefined,
    path404: v.path404 as string | undefined,
    cacheTime: v["cache-time"] as string | undefined,
    extMimetype: list("ext-mimetype"),
    cors: v.cors === true,
  };
}
