import type { ListenerSpec, ProxyListenerSpec } from "../config/listeners.ts";
import type { ProxySection } from "../config/schema.ts";
import { CidrSet } from "../net/cidr.ts";
import { handleHttpProxy } from "../proxy/http/server.ts";
import { ForwardProxy } from "../proxy/service.ts";
import { handleSocks5 } from "../proxy/socks5/server.ts";
import type { ForwardProxyOptions } from "../proxy/types.ts";
import { TcpListener } from "./tcp_listener.ts";
import type { TcpSlot } from "./tcp_slot.ts";

/** `[proxy]`: a TCP slot handing connections to a {@link ForwardProxy}. */
export class ProxyListener extends TcpListener<ProxyListenerSpec, ForwardProxy> {
  /**
   * @param spec the `[proxy]` listener spec
   * @param slot a socket already bound for this address by a predecessor, if any
   */
  constructor(spec: ProxyListenerSpec, slot?: TcpSlot) {
    const proxy = new ForwardProxy(spec.name, proxyOptions(spec.settings), {
      http: handleHttpProxy,
      socks5: handleSocks5,
    });
    super(spec, proxy, slot);
  }

  update(spec: ListenerSpec): boolean {
    if (spec.kind !== "proxy") return false;
    this.spec = spec;
    this.handler.update(proxyOptions(spec.settings));
    return true;
  }

  protected details(): Record<string, unknown> {
    return { protocols: this.spec.settings.flag, auth: this.spec.settings.username !== null };
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
