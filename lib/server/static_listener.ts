import type { HealthRegistry } from "../balancer/health.ts";
import type { HttpListenerSpec, ListenerSpec } from "../config/listeners.ts";
import type { HttpFileServer, HttpServer } from "../config/schema.ts";
import { flushFileSinks } from "../log/file_sink.ts";
import { log } from "../log/logger.ts";
import { formatAddress } from "../net/address.ts";
import { type AccessSource, type AccessWriter, compileAccessLog } from "../reverse/access_log.ts";
import { parseHeaderRule } from "../reverse/config_syntax.ts";
import {
  applyResponseRules,
  type CompiledRule,
  compileHeaderRules,
  webHeaderFields,
} from "../reverse/header_rules.ts";
import { hostName } from "../reverse/match.ts";
import {
  VAR_CLIENT_IP,
  VAR_HOST,
  VAR_HTTP_HEADER,
  VAR_METHOD,
  VAR_PATH,
  VAR_QUERY,
  VAR_SCHEME,
  VAR_SERVER_ADDR,
  VAR_SERVER_PORT,
  VAR_URL,
} from "../reverse/template.ts";
import type { HeaderRule } from "../reverse/types.ts";
import { type StaticFiles, toResponse } from "../static/files.ts";
import { createListener } from "./create_listener.ts";
import { staticFiles } from "./files_action.ts";
import type { Listener, ListenerReport } from "./listener.ts";
import type { TcpSlot } from "./tcp_slot.ts";

const logger = log("server");

/**
 * `wmproxy file-server`'s listeners: every `[http]` address it builds (one server, one
 * `file_server` location) runs on a {@link StaticListener}; anything else as in a config file.
 */
export function createFileServerListener(
  spec: ListenerSpec,
  health: HealthRegistry,
  slot?: TcpSlot,
): Listener {
  return spec.kind === "http" ? new StaticListener(spec) : createListener(spec, health, slot);
}

/**
 * A standalone static listener on `Deno.serve` (HTTP/1.1, and HTTP/2 by ALPN over TLS): the
 * first location of the address's first server must have a `file_server`; its header rules,
 * access log and the server's host names (`up_name`: other hosts get the not-found answer)
 * apply. The socket is bound with `reusePort` and accepts from `bind()` on.
 */
export class StaticListener implements Listener {
  readonly #spec: HttpListenerSpec;
  readonly #server: HttpServer;
  readonly #files: StaticFiles;
  readonly #rules: readonly CompiledRule[];
  readonly #access: AccessWriter | null;
  readonly #names: ReadonlySet<string> | null;
  #http: Deno.HttpServer<Deno.NetAddr> | null = null;
  #finished: Promise<void> | null = null;
  #open = 0;
  #accepted = 0;

  /** @param spec an `[http]` address whose first server's first location has `file_server` */
  constructor(spec: HttpListenerSpec) {
    this.#spec = spec;
    this.#server = spec.settings.servers[0];
    const location = this.#server.location[0];
    this.#files = staticFiles(location.file_server as HttpFileServer);
    const rules = location.headers.map((h) => parseHeaderRule(h) as HeaderRule);
    this.#rules = compileHeaderRules(rules).response;
    const access = location.access_log ?? this.#server.access_log;
    this.#access = access && compileAccessLog({
      file: access.file,
      format: access.format,
      level: access.level,
      fileLevel: access.file_level,
    });
    this.#names = this.#server.up_name.length > 0 ? new Set(this.#server.up_name) : null;
  }

  bind(): void {
    const tls = this.#spec.tls ? this.#server.tls : null;
    const plain = this.#rules.length === 0 && this.#access === null && this.#names === null;
    const files = this.#files;
    const handler: Deno.ServeHandler<Deno.NetAddr> = plain
      ? (req) => {
        this.#accepted++;
        const res = files.handle(req);
        return res instanceof Response ? res : this.#track(res);
      }
      : (req, info) => {
        this.#accepted++;
        return this.#track(this.#answer(req, info));
      };
    this.#http = Deno.serve({
      hostname: this.#spec.hostname,
      port: this.#spec.port,
      reusePort: true,
      ...(tls ? { cert: tls.cert_pem, key: tls.key_pem } : {}),
      onListen() {},
      onError: (e) => {
        logger.error("{name}: {error}", { name: this.#spec.name, error: e });
        return new Response("500 Internal Server Error\n", { status: 500 });
      },
    }, handler);
  }

  start(): void {
    // Deno.serve accepts from the moment it is bound.
  }

  update(_spec: ListenerSpec): boolean {
    return false;
  }

  close(): Promise<void> {
    this.#finished ??= this.#http?.shutdown() ?? Promise.resolve();
    return Promise.resolve();
  }

  async drain(timeoutMs: number): Promise<void> {
    await this.close();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeoutMs)));
    const done = await Promise.race([this.#finished!.then(() => false), late]);
    clearTimeout(timer);
    if (done) {
      logger.warn("{name}: {n} requests still open after the drain timeout", {
        name: this.#spec.name,
        n: this.#open,
      });
    }
    if (this.#access !== null) await flushFileSinks();
  }

  /** Requests being answered (a streamed body counts until its Response is handed over). */
  get open(): number {
    return this.#open;
  }

  report(): ListenerReport {
    return {
      address: this.#http ? formatAddress(this.#http.addr) : this.#spec.bind_addr,
      open: this.#open,
      accepted: this.#accepted,
      server: "Deno.serve",
    };
  }

  async #track(res: Promise<Response>): Promise<Response> {
    this.#open++;
    try {
      return await res;
    } finally {
      this.#open--;
    }
  }

  /** The answer with the host check, header rules and access log. */
  async #answer(req: Request, info: Deno.ServeHandlerInfo<Deno.NetAddr>): Promise<Response> {
    const vars = new RequestVars(req, info, this.#http!.addr, this.#spec.tls);
    let res: Response;
    if (this.#names !== null && !this.#names.has(vars.variable(VAR_HOST, ""))) {
      const header = (name: string) => req.headers.get(name);
      res = toResponse(await this.#files.notFound({ method: req.method, path: vars.path, header }));
    } else {
      res = await this.#files.handle(req);
    }
    try {
      applyResponseRules(webHeaderFields(res.headers), this.#rules, vars);
    } catch (e) {
      if (!(e instanceof TypeError)) throw e; // a value Headers refuses
      await res.body?.cancel();
      res = new Response(`500 Internal Server Error: ${e.message}\n`, { status: 500 });
    }
    if (this.#access !== null) {
      vars.status = res.status;
      this.#access.sink.write(this.#access.line(vars));
    }
    return res;
  }
}

/** The variables of header rules and access-log lines for one request. */
class RequestVars implements AccessSource {
  status = 0;
  readonly upStatus = 0;
  readonly path: string;
  readonly #req: Request;
  readonly #info: Deno.ServeHandlerInfo<Deno.NetAddr>;
  readonly #local: Deno.NetAddr;
  readonly #tls: boolean;
  readonly #target: string;
  readonly #authority: string;
  readonly #started = performance.now();

  constructor(
    req: Request,
    info: Deno.ServeHandlerInfo<Deno.NetAddr>,
    local: Deno.NetAddr,
    tls: boolean,
  ) {
    this.#req = req;
    this.#info = info;
    this.#local = local;
    this.#tls = tls;
    const url = req.url;
    const from = url.indexOf("//") + 2;
    const slash = url.indexOf("/", from);
    this.#authority = slash < 0 ? url.slice(from) : url.slice(from, slash);
    this.#target = slash < 0 ? "/" : url.slice(slash);
    const q = this.#target.indexOf("?");
    this.path = q < 0 ? this.#target : this.#target.slice(0, q);
  }

  variable(code: number, arg: string): string {
    switch (code) {
      case VAR_CLIENT_IP:
        return this.#info.remoteAddr.hostname;
      case VAR_HOST:
        return hostName(this.#req.headers.get("host") ?? this.#authority);
      case VAR_URL:
        return this.#target;
      case VAR_PATH:
        return this.path;
      case VAR_QUERY: {
        const q = this.#target.indexOf("?");
        return q < 0 ? "" : this.#target.slice(q + 1);
      }
      case VAR_METHOD:
        return this.#req.method;
      case VAR_SCHEME:
        return this.#tls ? "https" : "http";
      case VAR_SERVER_ADDR:
        return this.#local.hostname;
      case VAR_SERVER_PORT:
        return String(this.#local.port);
      case VAR_HTTP_HEADER:
        return this.#req.headers.get(arg) ?? "";
      default:
        return ""; // {upstream_addr}: there is none
    }
  }

  header(name: string): string {
    return this.#req.headers.get(name) ?? "";
  }

  elapsed(): number {
    return performance.now() - this.#started;
  }
}
