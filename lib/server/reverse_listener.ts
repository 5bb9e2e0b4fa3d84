import type { HealthRegistry } from "../balancer/health.ts";
import type { HttpListenerSpec, ListenerSpec } from "../config/listeners.ts";
import { ReverseProxy } from "../reverse/service.ts";
import type { ReverseUpstream } from "../reverse/types.ts";
import { reverseOptions } from "./reverse_options.ts";
import { SniCertificates } from "./sni_certs.ts";
import { TcpListener } from "./tcp_listener.ts";
import type { TcpSlot } from "./tcp_slot.ts";

/** The certificates a TLS listener presents, as one comparable text. */
function certsOf(spec: HttpListenerSpec): string {
  return JSON.stringify(spec.settings.servers.map((s) => [s.up_name, s.tls]));
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
      new ReverseProxy(spec.name, reverseOptions(spec.settings, upstreams), health),
      slot,
      certs ?? undefined,
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
    this.handler.update(reverseOptions(spec.settings, this.#upstreams));
    return true;
  }

  override async drain(timeoutMs: number): Promise<void> {
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
