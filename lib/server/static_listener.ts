import type { HttpListenerSpec, ListenerSpec } from "../config/listeners.ts";
import type { HttpFileServer, HttpServer } from "../config/schema.ts";
import { flushFileSinks } from "../log/file_sink.ts";
import { log } from "../log/logger.ts";
import { formatAddress } from "../net/address.ts";
import { compileAccessLog } from "../reverse/access_log.ts";
import {
  applyResponseRules,
  compileHeaderRules,
  webHeaderFields,
} from "../reverse/header_rules.ts";
import { StaticSite } from "../static/site.ts";
import { createListener, type ListenerEnv } from "./create_listener.ts";
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
  env: ListenerEnv,
  slot?: TcpSlot,
): Listener {
  return spec.kind === "http" ? new StaticListener(spec) : createListener(spec, env, slot);
}

/**
 * A standalone static listener on `Deno.serve` (HTTP/1.1, and HTTP/2 by ALPN over TLS): the
 * lifecycle around a {@link StaticSite} built from the first location of the address's first
 * server, which must have a `file_server`; its response header rules, access log and the
 * server's host names (`up_name`: other hosts get the not-found answer) apply. The socket is
 * bound with `reusePort` and accepts from `bind()` on.
 */
export class StaticListener implements Listener {
  readonly #spec: HttpListenerSpec;
  readonly #server: HttpServer;
  readonly #site: StaticSite;
  readonly #logs: boolean;
  #http: Deno.HttpServer<Deno.NetAddr> | null = null;
  #finished: Promise<void> | null = null;
  #open = 0;
  #accepted = 0;

  /** @param spec an `[http]` address whose first server's first location has `file_server` */
  constructor(spec: HttpListenerSpec) {
    this.#spec = spec;
    this.#server = spec.settings.servers[0];
    const location = this.#server.location[0];
    const rules = compileHeaderRules(location.header_rules).response;
    const access = location.access_log ?? this.#server.access_log;
    const writer = access && compileAccessLog({
      file: access.file,
      format: access.format,
      level: access.level,
      fileLevel: access.file_level,
    });
    this.#logs = writer !== null;
    this.#site = new StaticSite(staticFiles(location.file_server as HttpFileServer), {
      tls: spec.tls,
      names: this.#server.up_name.length > 0 ? new Set(this.#server.up_name) : null,
      editHeaders: rules.length === 0
        ? null
        : (headers, vars) => applyResponseRules(webHeaderFields(headers), rules, vars),
      answered: writer && ((vars) => writer.sink.write(writer.line(vars))),
    });
  }

  bind(): void {
    const tls = this.#spec.tls ? this.#server.tls : null;
    const site = this.#site;
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
    }, (req, info) => {
      this.#accepted++;
      const res = site.handle(req, { remoteAddr: info.remoteAddr, localAddr: this.#http!.addr });
      return res instanceof Response ? res : this.#track(res);
    });
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
    if (this.#logs) await flushFileSinks();
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
}
