import type { ListenerSpec, ProxyListenerSpec } from "../config/listeners.ts";
import type { ProxySection } from "../config/schema.ts";
import { isLoopback, parseAddress } from "../net/address.ts";
import { CidrSet } from "../net/cidr.ts";
import { TargetRules } from "../net/target_rules.ts";
import { handleHttpProxy } from "../proxy/http/server.ts";
import { ForwardProxy } from "../proxy/service.ts";
import { handleSocks5 } from "../proxy/socks5/server.ts";
import { TargetPolicy } from "../proxy/target_policy.ts";
import type { ForwardProxyOptions } from "../proxy/types.ts";
import type { OwnPorts } from "./own_ports.ts";
import { TcpListener } from "./tcp_listener.ts";
import type { TcpSlot } from "./tcp_slot.ts";

/** `[proxy]`: a TCP slot handing connections to a {@link ForwardProxy}. */
export class ProxyListener extends TcpListener<ProxyListenerSpec, ForwardProxy> {
  readonly #ownPorts: OwnPorts;

  /**
   * @param spec the `[proxy]` listener spec
   * @param ownPorts this process's ports, which the proxy refuses as targets
   * @param slot a socket already bound for this address by a predecessor, if any
   */
  constructor(spec: ProxyListenerSpec, ownPorts: OwnPorts, slot?: TcpSlot) {
    const proxy = new ForwardProxy(spec.name, proxyOptions(spec.settings, ownPorts), {
      http: handleHttpProxy,
      socks5: handleSocks5,
    });
    super(spec, proxy, slot);
    this.#ownPorts = ownPorts;
  }

  update(spec: ListenerSpec): boolean {
    if (spec.kind !== "proxy") return false;
    this.spec = spec;
    this.handler.update(proxyOptions(spec.settings, this.#ownPorts));
    return true;
  }

  protected override headerTimeoutMs(): number {
    return this.spec.settings.handshake_timeout * 1000;
  }

  protected details(): Record<string, unknown> {
    return { protocols: this.spec.settings.flag, auth: this.spec.settings.username !== null };
  }
}

/**
 * Turns a `[proxy]` section into handler options; `ownPorts` tells the target policy what is
 * this process (it follows reloads without the options being rebuilt).
 */
export function proxyOptions(p: ProxySection, ownPorts: OwnPorts): ForwardProxyOptions {
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
    targets: new TargetPolicy({
      deny: targetRules(p.target_deny),
      allow: targetRules(p.target_allow),
      isSelf: (ip, port) => ownPorts.isSelf(ip, port),
      exposed: !isLoopback(parseAddress(p.bind_addr)?.hostname ?? ""),
    }),
    connectTimeout: p.proxy_connect_timeout * 1000,
    handshakeTimeout: p.handshake_timeout * 1000,
    idleTimeout: p.timeout * 1000,
  };
}

/** Parsed `target_allow` / `target_deny` entries (validated already); null when empty. */
function targetRules(list: readonly string[]): TargetRules | null {
  if (list.length === 0) return null;
  const rules = TargetRules.parse(list);
  return rules instanceof TargetRules ? rules : null;
}
