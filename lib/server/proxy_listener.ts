import type { ListenerSpec, ProxyListenerSpec } from "../config/listeners.ts";
import type { ProxySection } from "../config/schema.ts";
import { log } from "../log/logger.ts";
import { CidrSet } from "../net/cidr.ts";
import { handleHttpProxy } from "../proxy/http.ts";
import { ForwardProxy } from "../proxy/service.ts";
import { handleSocks5 } from "../proxy/socks5/server.ts";
import type { ForwardProxyOptions } from "../proxy/types.ts";
import { formatHostPort } from "./format.ts";
import type { Listener, ListenerReport } from "./listener.ts";
import { TcpSlot } from "./tcp_slot.ts";

const logger = log("server");

/** `[proxy]`: a TCP slot handing connections to a {@link ForwardProxy}. */
export class ProxyListener implements Listener {
  #spec: ProxyListenerSpec;
  readonly #proxy: ForwardProxy;
  readonly #slot: TcpSlot;
  #handedOver = false;

  /**
   * @param spec the `[proxy]` listener spec
   * @param slot a socket already bound for this address by a predecessor, if any
   */
  constructor(spec: ProxyListenerSpec, slot?: TcpSlot) {
    this.#spec = spec;
    this.#proxy = new ForwardProxy(spec.name, proxyOptions(spec.settings), {
      http: handleHttpProxy,
      socks5: handleSocks5,
    });
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
    if (spec.kind !== "proxy") return false;
    this.#spec = spec;
    this.#proxy.update(proxyOptions(spec.settings));
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
    if (await tracker.idle(timeoutMs)) return;
    logger.warn("{name}: closing {n} connections still open after the drain timeout", {
      name: this.#spec.name,
      n: tracker.size,
    });
    tracker.closeAll();
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
      protocols: this.#spec.settings.flag,
      auth: this.#spec.settings.username !== null,
    };
  }
}

/** Turns a `[proxy]` section into handler options. */
export function proxyOptions(p: ProxySection): ForwardProxyOptions {
  const cidr = (list: readonly string[]) => {
    if (list.length === 0) return null;
    const set = CidrSet.parse(list);
    return set instanceof CidrSet ? set : null; // validated already
  };
  return {
    http: p.flag.includes("http"),
    https: p.flag.includes("https"),
    socks5: p.flag.includes("socks5"),
    credentials: p.username !== null && p.password !== null
      ? { username: p.username, password: p.password }
      : null,
    allow: cidr(p.allow_ip),
    deny: cidr(p.deny_ip),
    connectTimeout: p.proxy_connect_timeout * 1000,
    handshakeTimeout: p.handshake_timeout * 1000,
    idleTimeout: p.timeout * 1000,
  };
}
