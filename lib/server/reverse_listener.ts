import type { HealthRegistry } from "../balancer/health.ts";
import type { HttpListenerSpec, ListenerSpec } from "../config/listeners.ts";
import { log } from "../log/logger.ts";
import { ReverseProxy } from "../reverse/service.ts";
import type { ReverseUpstream } from "../reverse/types.ts";
import { formatHostPort } from "./format.ts";
import type { Listener, ListenerReport } from "./listener.ts";
import { reverseOptions } from "./reverse_options.ts";
import { TcpSlot } from "./tcp_slot.ts";

const logger = log("server");

/** `[http]` on one address: a TCP slot handing connections to a {@link ReverseProxy}. */
export class ReverseListener implements Listener {
  #spec: HttpListenerSpec;
  readonly #proxy: ReverseProxy;
  readonly #slot: TcpSlot;
  /** Upstreams by content, so unchanged ones stay the same objects across reloads. */
  readonly #upstreams = new Map<string, ReverseUpstream>();
  #handedOver = false;

  /**
   * @param spec the `[http]` listener spec for one address
   * @param health passive health shared by all listeners and generations
   * @param slot a socket already bound for this address by a predecessor, if any
   */
  constructor(spec: HttpListenerSpec, health: HealthRegistry, slot?: TcpSlot) {
    this.#spec = spec;
    this.#proxy = new ReverseProxy(
      spec.name,
      reverseOptions(spec.settings, this.#upstreams),
      health,
    );
    this.#slot = slot ?? new TcpSlot(spec.hostname, spec.port, this.#proxy);
    this.#slot.setHandler(this.#proxy);
  }

  bind(): void {
    this.#slot.bind();
  }

  start(): void {
    this.#slot.start();
  }

  update(spec: ListenerSpec): boolean {
    if (spec.kind !== "http") return false;
    this.#spec = spec;
    this.#proxy.update(reverseOptions(spec.settings, this.#upstreams));
    return true;
  }

  handOver(): TcpSlot {
    this.#handedOver = true;
    return this.#slot;
  }

  close(): Promise<void> {
    return this.#handedOver ? Promise.resolve() : this.#slot.close();
  }

  async drain(timeoutMs: number): Promise<void> {
    const tracker = this.#proxy.tracker;
    if (!(await tracker.idle(timeoutMs))) {
      logger.warn("{name}: closing {n} connections still open after the drain timeout", {
        name: this.#spec.name,
        n: tracker.size,
      });
      tracker.closeAll();
    }
    await this.#proxy.close();
  }

  get open(): number {
    return this.#proxy.tracker.size;
  }

  report(): ListenerReport {
    const addr = this.#slot.boundAddr;
    return {
      address: addr ? formatHostPort(addr) : this.#spec.bind_addr,
      open: this.#proxy.tracker.size,
      accepted: this.#proxy.tracker.accepted,
      servers: this.#spec.settings.servers.map((s) => s.up_name.join(" ") || "*"),
      upstream: this.#proxy.status(),
    };
  }
}
