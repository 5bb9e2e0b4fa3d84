import { type FileSink, fileSink } from "../log/file_sink.ts";
import { type AccessWriter, compileAccessLog } from "./access_log.ts";
import { type CompiledHeaderRules, compileHeaderRules } from "./header_rules.ts";
import { LocationTable, ServerTable } from "./match.ts";
import { compileTemplate, type Template } from "./template.ts";
import type {
  ReverseAccessLog,
  ReverseLocation,
  ReverseOptions,
  ReverseServer,
  ReverseTimeouts,
  ReverseUpstream,
} from "./types.ts";
import type { UpstreamGroup } from "./upstream_group.ts";

/** A location with everything a request needs precomputed. */
export interface CompiledLocation {
  readonly location: ReverseLocation;
  readonly rules: CompiledHeaderRules;
  /** The `static` action's body template, else null. */
  readonly staticBody: Template | null;
  /** The `proxy` action's Host template, else null (Host is passed on). */
  readonly hostHeader: Template | null;
  /** The `proxy` action's upstream state, else null. */
  readonly group: UpstreamGroup | null;
  /** Its access log, null when none is written. */
  readonly access: AccessWriter | null;
  /** Its error log's file, else null. */
  readonly errors: FileSink | null;
}

/** A server with its location table. */
export interface CompiledServer {
  readonly server: ReverseServer;
  readonly locations: readonly CompiledLocation[];
  readonly table: LocationTable;
  /** The server's own rules, for answers no location produced (404, 405). */
  readonly rules: CompiledHeaderRules;
  /** The access log of requests no location takes, null when none is written. */
  readonly access: AccessWriter | null;
  /** Its error log's file, else null. */
  readonly errors: FileSink | null;
}

/** One set of options, compiled; connections keep the generation they were accepted with. */
export interface Generation {
  readonly options: ReverseOptions;
  readonly servers: readonly CompiledServer[];
  readonly serverTable: ServerTable;
  /** Timeouts before a request is routed (head, keep-alive): the default server's. */
  readonly timeouts: ReverseTimeouts;
  /** `http` or `https`. */
  readonly scheme: string;
  /** The shortest timeout anywhere, for the deadline sweep period. */
  readonly shortestTimeout: number;
  /** Some access log uses `{request_time}`: requests are timed. */
  readonly timed: boolean;
}

/** The timeouts used when a listener has no server at all. */
export const DEFAULT_TIMEOUTS: ReverseTimeouts = Object.freeze({
  proxyConnect: 10_000,
  proxyRead: 60_000,
  proxyWrite: 60_000,
  clientRead: 60_000,
  clientWrite: 60_000,
  clientKeepAlive: 75_000,
});

/** Compiles `options`; `groupFor` gives the runtime state of each upstream. */
export function compileGeneration(
  options: ReverseOptions,
  groupFor: (upstream: ReverseUpstream) => UpstreamGroup,
): Generation {
  let shortest = Infinity;
  const note = (t: ReverseTimeouts) => {
    for (const v of Object.values(t)) if (v > 0 && v < shortest) shortest = v;
  };
  const logs = new LogCompiler();
  const servers = options.servers.map((server): CompiledServer => {
    note(server.timeouts);
    const locations = server.locations.map((location): CompiledLocation => {
      note(location.timeouts);
      const a = location.action;
      return {
        location,
        rules: compileHeaderRules(location.headers),
        staticBody: a.kind === "static" ? compileTemplate(a.body) : null,
        hostHeader: a.kind === "proxy" && a.hostHeader !== null
          ? compileTemplate(a.hostHeader)
          : null,
        group: a.kind === "proxy" ? groupFor(a.upstream) : null,
        access: logs.access(location.accessLog),
        errors: location.errorLog ? fileSink(location.errorLog.file) : null,
      };
    });
    return {
      server,
      locations,
      table: new LocationTable(server.locations),
      rules: compileHeaderRules(server.headers),
      access: logs.access(server.accessLog),
      errors: server.errorLog ? fileSink(server.errorLog.file) : null,
    };
  });
  const timeouts = options.servers[0]?.timeouts ?? DEFAULT_TIMEOUTS;
  note(timeouts);
  return {
    options,
    servers,
    serverTable: new ServerTable(options.servers),
    timeouts,
    scheme: options.tls ? "https" : "http",
    shortestTimeout: shortest === Infinity ? 1000 : shortest,
    timed: logs.timed,
  };
}

/** Compiles each access log once (locations inherit the same one). */
class LogCompiler {
  timed = false;
  readonly #cache = new Map<string, AccessWriter | null>();

  access(log: ReverseAccessLog | null | undefined): AccessWriter | null {
    if (!log) return null;
    const key = JSON.stringify(log);
    let w = this.#cache.get(key);
    if (w === undefined) this.#cache.set(key, w = compileAccessLog(log));
    if (w && log.format.includes("{request_time}")) this.timed = true;
    return w;
  }
}

/** Every upstream the options' locations proxy to (each object once). */
export function upstreamsOf(options: ReverseOptions): ReverseUpstream[] {
  const out = new Set<ReverseUpstream>();
  for (const s of options.servers) {
    for (const l of s.locations) if (l.action.kind === "proxy") out.add(l.action.upstream);
  }
  return [...out];
}
