import type { ListenerSpec } from "../config/listeners.ts";
import { log } from "../log/logger.ts";
import { listenerMetrics } from "../metrics/families.ts";
import { formatAddress } from "../net/address.ts";
import type { Listener, ListenerReport } from "./listener.ts";
import type { CertResolver } from "../net/tls_listen.ts";
import { TcpSlot, type TrackingHandler } from "./tcp_slot.ts";

export type { TrackingHandler };
import {
  logRejectedHeader,
  PROXY_HEADER_TIMEOUT_MS,
  ProxyHeaderHandler,
} from "./proxy_header_handler.ts";

const logger = log("server");

/**
 * What every TCP listener kind shares: a {@link TcpSlot} (bound here or handed over by a
 * predecessor of another kind at the same address), hand-over, stop-accepting and drain.
 * Subclasses supply the handler and say which specs they can take over by `update`.
 */
export abstract class TcpListener<S extends ListenerSpec, H extends TrackingHandler>
  implements Listener {
  #spec!: S;
  protected readonly handler: H;
  readonly #slot: TcpSlot;
  #handedOver = false;

  /**
   * @param spec the listener's spec
   * @param handler what accepted connections go to
   * @param slot a socket already bound for this address by a predecessor, if any
   * @param certs makes the socket a TLS one, with certificates from here (by SNI)
   * @param alpn for a TLS socket: the ALPN protocols offered (default `http/1.1` only)
   */
  constructor(spec: S, handler: H, slot?: TcpSlot, certs?: CertResolver, alpn?: string[]) {
    this.handler = handler;
    this.#slot = slot ?? new TcpSlot(spec.hostname, spec.port, handler, certs, alpn);
    this.spec = spec;
  }

  /** The listener's spec; setting it (on `update`) applies its `max_connections` at once. */
  protected get spec(): S {
    return this.#spec;
  }

  protected set spec(spec: S) {
    this.#spec = spec;
    this.#slot.setLimit(spec.max_connections);
    const metrics = listenerMetrics(spec.name);
    this.#slot.setMetrics(metrics);
    const beforeTls = this.#slot.readHeaderBeforeTls(
      spec.proxy_protocol
        ? {
          timeoutMs: this.headerTimeoutMs(),
          onRejected: (peer, error) => {
            logRejectedHeader(spec.name, peer, error);
            metrics.refuse("proxy_header");
          },
        }
        : null,
    );
    this.#slot.setHandler(
      spec.proxy_protocol && !beforeTls
        ? new ProxyHeaderHandler(this.handler, spec.name, this.headerTimeoutMs())
        : this.handler,
    );
  }

  /** How long a PROXY header may take (`proxy_protocol = true`). */
  protected headerTimeoutMs(): number {
    return PROXY_HEADER_TIMEOUT_MS;
  }

  /** Takes `spec` if it is of this listener's kind; false otherwise. */
  abstract update(spec: ListenerSpec): boolean;

  /** What this kind adds to `/status`. */
  protected abstract details(): Record<string, unknown>;

  bind(): void {
    this.#slot.bind();
  }

  start(): void {
    this.#slot.start();
  }

  handOver(): TcpSlot {
    this.#handedOver = true;
    return this.#slot;
  }

  close(sweepMs?: number): Promise<void> {
    return this.#handedOver ? Promise.resolve() : this.#slot.close(sweepMs);
  }

  async drain(timeoutMs: number): Promise<void> {
    const tracker = this.handler.tracker;
    if (await tracker.idle(timeoutMs)) return;
    logger.warn("{name}: closing {n} connections still open after the drain timeout", {
      name: this.spec.name,
      n: tracker.size,
    });
    tracker.closeAll();
  }

  get open(): number {
    return this.handler.tracker.size;
  }

  report(): ListenerReport {
    const addr = this.#slot.boundAddr;
    return {
      address: addr ? formatAddress(addr) : this.spec.bind_addr,
      open: this.handler.tracker.size,
      accepted: this.handler.tracker.accepted,
      ...this.#slot.limitReport(),
      ...this.details(),
    };
  }
}
