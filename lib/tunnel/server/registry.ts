/**
 * Where the tunnel server sends a visitor: the mappings every connected client offered, by
 * route (an HTTP/HTTPS host name, a TCP address, the egress proxy). Several sessions offering
 * the same route share it: new streams go round robin over them, and a session that leaves is
 * simply no longer picked. Knows nothing of sockets; a session is whatever the caller uses.
 * @module
 */

import type { MappingMode, MappingOffer } from "../protocol/messages.ts";

/** One route and the sessions serving it (in the order they offered it). */
interface Route<S> {
  readonly key: string;
  readonly sessions: { session: S; name: string }[];
  next: number;
}

/** A session picked for a new stream, and the name its client gave the mapping. */
export interface Pick<S> {
  readonly session: S;
  readonly mapping: string;
}

/** One route in a {@link MappingRegistry.report}. */
export interface RouteReport {
  /** `http NAME`, `https NAME`, `tcp ADDR` (`tcp default`: `map_tcp_bind`) or `proxy`. */
  readonly route: string;
  /** Sessions serving it (round robin). */
  readonly sessions: number;
}

/**
 * The routes of one tunnel server. `S` is the caller's session type (compared by identity).
 */
export class MappingRegistry<S> {
  readonly #routes = new Map<string, Route<S>>();
  readonly #bySession = new Map<S, string[]>();

  /**
   * Sets the mappings `session` serves, replacing what it offered before (a client reload).
   * @param offers the client's mappings, already checked by the server (e.g. allowed ports)
   */
  set(session: S, offers: readonly MappingOffer[]): void {
    this.remove(session);
    const keys: string[] = [];
    for (const offer of offers) {
      for (const key of routeKeys(offer)) {
        let route = this.#routes.get(key);
        if (route === undefined) {
          route = { key, sessions: [], next: 0 };
          this.#routes.set(key, route);
        }
        route.sessions.push({ session, name: offer.name });
        keys.push(key);
      }
    }
    this.#bySession.set(session, keys);
  }

  /** Forgets `session` (it left): its routes go to the sessions still serving them. */
  remove(session: S): void {
    const keys = this.#bySession.get(session);
    if (keys === undefined) return;
    this.#bySession.delete(session);
    for (const key of keys) {
      const route = this.#routes.get(key);
      if (route === undefined) continue;
      const i = route.sessions.findIndex((s) => s.session === session);
      if (i >= 0) route.sessions.splice(i, 1);
      if (route.sessions.length === 0) this.#routes.delete(key);
    }
  }

  /**
   * The session for a visitor of `host` on the `http` or `https` front: an exact name first,
   * then the longest `*.suffix` that matches, then a mapping with no domain (a catch-all).
   */
  forHost(mode: "http" | "https", host: string): Pick<S> | null {
    const name = host.toLowerCase().replace(/:\d+$/, "").replace(/\.$/, "");
    const exact = this.#pick(`${mode} ${name}`);
    if (exact !== null) return exact;
    for (let dot = name.indexOf("."); dot >= 0; dot = name.indexOf(".", dot + 1)) {
      const wild = this.#pick(`${mode} *${name.slice(dot)}`);
      if (wild !== null) return wild;
    }
    return this.#pick(`${mode} *`);
  }

  /** The session for a connection to the server's TCP address `bind` (`host:port`). */
  forTcp(bind: string): Pick<S> | null {
    return this.#pick(`tcp ${bind}`);
  }

  /** The session for a connection to the server's `map_proxy_bind`. */
  forProxy(): Pick<S> | null {
    return this.#pick("proxy");
  }

  /** The TCP addresses clients asked the server to expose (`remote_bind`), for its listeners. */
  tcpBinds(): string[] {
    const out: string[] = [];
    for (const key of this.#routes.keys()) if (key.startsWith("tcp ")) out.push(key.slice(4));
    return out;
  }

  /** Every route and how many sessions serve it, sorted by route. */
  report(): RouteReport[] {
    return [...this.#routes.values()]
      .map((r) => ({ route: r.key, sessions: r.sessions.length }))
      .sort((a, b) => a.route.localeCompare(b.route));
  }

  #pick(key: string): Pick<S> | null {
    const route = this.#routes.get(key);
    if (route === undefined) return null;
    const entry = route.sessions[route.next % route.sessions.length];
    route.next = (route.next + 1) % route.sessions.length;
    return { session: entry.session, mapping: entry.name };
  }
}

/**
 * The route keys of one offer: `http NAME` / `https NAME` per domain (`*` for none), `tcp
 * ADDR` (its `remoteBind`, or `default` for the server's `map_tcp_bind`), or `proxy`.
 */
export function routeKeys(offer: MappingOffer): string[] {
  const mode: MappingMode = offer.mode;
  switch (mode) {
    case "http":
    case "https": {
      const domains = offer.domains.filter((d) => d !== "");
      if (domains.length === 0) return [`${mode} *`];
      return domains.map((d) => `${mode} ${d.toLowerCase()}`);
    }
    case "tcp":
      return [`tcp ${offer.remoteBind ?? "default"}`];
    case "proxy":
      return ["proxy"];
  }
}
