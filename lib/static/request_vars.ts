import { hostName } from "../http/target.ts";
import { type RequestFacts, requestVariable, type VariableSource } from "../http/variables.ts";

/** Where a request served by `Deno.serve` came from and arrived. */
export interface StaticRequestInfo {
  /** The client's address. */
  readonly remoteAddr: Deno.NetAddr;
  /** The listener's address. */
  readonly localAddr: Deno.NetAddr;
}

/**
 * The variables of one `Deno.serve` request (for header rules and access-log lines), read by
 * the same lookup as the reverse proxy's request context. `{upstream_addr}` is always empty.
 */
export class StaticRequestVars implements RequestFacts, VariableSource {
  /** The status answered (0 until known); for the access log. */
  status = 0;
  /** No upstream answers a static request. */
  readonly upStatus = 0;
  /** No upstream is involved. */
  readonly upstreamAddr = "";
  /** `{url}`: the target as sent (origin-form). */
  readonly target: string;
  /** `{path}`: the target's path, without the query. */
  readonly path: string;
  /** `{scheme}` */
  readonly scheme: string;
  readonly #req: Request;
  readonly #info: StaticRequestInfo;
  readonly #authority: string;
  readonly #started = performance.now();

  /**
   * @param req the request
   * @param info its addresses
   * @param tls whether it came over TLS (`{scheme}`)
   */
  constructor(req: Request, info: StaticRequestInfo, tls: boolean) {
    this.#req = req;
    this.#info = info;
    this.scheme = tls ? "https" : "http";
    const url = req.url;
    const from = url.indexOf("//") + 2;
    const slash = url.indexOf("/", from);
    this.#authority = slash < 0 ? url.slice(from) : url.slice(from, slash);
    this.target = slash < 0 ? "/" : url.slice(slash);
    const q = this.target.indexOf("?");
    this.path = q < 0 ? this.target : this.target.slice(0, q);
  }

  /** `{client_ip}` */
  get clientIp(): string {
    return this.#info.remoteAddr.hostname;
  }

  /** `{host}`: from Host, else the URL's authority. */
  get host(): string {
    return hostName(this.#req.headers.get("host") ?? this.#authority);
  }

  /** `{query}` */
  get query(): string {
    const q = this.target.indexOf("?");
    return q < 0 ? "" : this.target.slice(q + 1);
  }

  /** `{method}` */
  get method(): string {
    return this.#req.method;
  }

  /** `{server_addr}` */
  get serverAddr(): string {
    return this.#info.localAddr.hostname;
  }

  /** `{server_port}` */
  get serverPort(): number {
    return this.#info.localAddr.port;
  }

  /** The value of template variable `code` for this request. */
  variable(code: number, arg: string): string {
    return requestVariable(this, code, arg);
  }

  /** The request header `name`, "" when absent. */
  header(name: string): string {
    return this.#req.headers.get(name) ?? "";
  }

  /** Milliseconds since the request arrived here. */
  elapsed(): number {
    return performance.now() - this.#started;
  }
}
