import type { HealthRegistry } from "../balancer/health.ts";
import type { HttpListenerSpec, ListenerSpec } from "../config/listeners.ts";
import { ReverseProxy } from "../reverse/service.ts";
import type { ReverseOptions, ReverseUpstream } from "../reverse/types.ts";
import { http2Supported, Http2UnavailableError } from "../net/http2_serve.ts";
import { log } from "../log/logger.ts";
import { reverseOptions } from "./reverse_options.ts";
import { SniCertificates } from "./sni_certs.ts";
import { TcpListener } from "./tcp_listener.ts";
import type { TcpSlot } from "./tcp_slot.ts";

const logger = log("server");

/** The certificates a TLS listener presents and whether it offers h2, as one comparable text. */
function certsOf(spec: HttpListenerSpec): string {
  return JSON.stringify([
    offersHttp2(spec),
    spec.settings.servers.map((s) => [s.up_name, s.tls]),
  ]);
}

/** ALPN `h2` on a TLS address: unless a server on it says `http2 = false` (or Deno lacks it). */
function offersHttp2(spec: HttpListenerSpec): boolean {
  return spec.tls && spec.settings.servers.every((s) => s.http2 !== false) && http2Supported();
}

let warnedNoHttp2 = false;

/** The ALPN protocols a listener offers; warns once when HTTP/2 is wanted but unavailable. */
function alpnOf(spec: HttpListenerSpec): string[] | undefined {
  if (offersHttp2(spec)) return ["h2", "http/1.1"];
  if (spec.tls && !http2Supported() && !warnedNoHttp2) {
    warnedNoHttp2 = true;
    logger.warn("{name}: {error}; serving HTTP/1.1 only", {
      name: spec.name,
      error: new Http2UnavailableError().message,
    });
  }
  return undefined;
}

/** The engine's options for `spec`. */
function options(spec: HttpListenerSpec, upstreams: Map<string, ReverseUpstream>): ReverseOptions {
  return { ...reverseOptions(spec.settings, upstreams), http2: offersHttp2(spec) };
}

/** `[http]` on one address: a TCP slot handing connections to a {@link ReverseProxy}. */
export class ReverseListener extends TcpListener<HttpListenerSpec, ReverseProxy> {
  /** Upstreams by content, so unchanged ones stay the same objects across reloads. */
  readonly #upstreams: Map<string, ReverseUpstream>;
  /** A TLS address's certificates by SNI, or null for plain HTTP. */
  readonly #certs: SniCertificates | null;

  /**
   * @param spec the `[http]` listener spec for one address
   * @param health passive health shared by all listeners and generations
   * @param slot a socket already bound for this address by a predecessor, if any
   */
  constructor(spec: HttpListenerSpec, health: HealthRegistry, slot?: TcpSlot) {
    const upstreams = new Map<string, ReverseUpstream>();
    const certs = spec.tls ? new SniCertificates(spec.settings.servers) : null;
    super(
      spec,
      new ReverseProxy(spec.name, options(spec, upstreams), health),
      slot,
      certs ?? undefined,
      alpnOf(spec),
    );
    this.#upstreams = upstreams;
    this.#certs = certs;
  }

  needsRebind(spec: ListenerSpec): boolean {
    return spec.kind === "http" && spec.tls && this.spec.tls &&
      certsOf(spec) !== certsOf(this.spec);
  }

  update(spec: ListenerSpec): boolean {
    if (spec.kind !== "http" || spec.tls !== this.spec.tls) return false;
    this.spec = spec;
    this.#certs?.update(spec.settings.servers);
    this.handler.update(options(spec, this.#upstreams));
    return true;
  }

  override async drain(timeoutMs: number): Promise<void> {
    this.handler.goAway();
    await super.drain(timeoutMs);
    await this.handler.close();
  }

  protected details(): Record<string, unknown> {
    return {
      servers: this.spec.settings.servers.map((s) => s.up_name.join(" ") || "*"),
      upstream: this.handler.status(),
    };
  }
}
