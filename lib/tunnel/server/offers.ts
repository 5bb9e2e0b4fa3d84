/**
 * What a tunnel server takes of the mappings a client offers: each needs the public front its
 * mode uses (`map_http_bind`, `map_https_bind`, `map_tcp_bind`, `map_proxy_bind`), and a
 * `remote_bind` needs a port inside the server's `allow_ports`. The rest is refused, with a
 * reason the client logs; the session itself stays up.
 * @module
 */

import { parseAddress } from "../../net/address.ts";
import type { MappingOffer } from "../protocol/messages.ts";

/** An inclusive port range. */
export interface PortSpan {
  /** First port of the range. */
  readonly low: number;
  /** Last port of the range (inclusive). */
  readonly high: number;
}

/** The server's side of the decision. */
export interface OfferPolicy {
  /** Whether `map_http_bind`, `map_https_bind`, `map_tcp_bind` and `map_proxy_bind` are set. */
  readonly fronts: {
    readonly http: boolean;
    readonly https: boolean;
    readonly tcp: boolean;
    readonly proxy: boolean;
  };
  /** Ports a `remote_bind` may ask for (empty: none). */
  readonly allowPorts: readonly PortSpan[];
}

/** The offers split into taken and refused. */
export interface OfferDecision {
  readonly accepted: MappingOffer[];
  readonly refused: { name: string; reason: string }[];
}

/** Decides each offer; never throws. */
export function decideOffers(offers: readonly MappingOffer[], policy: OfferPolicy): OfferDecision {
  const accepted: MappingOffer[] = [];
  const refused: { name: string; reason: string }[] = [];
  for (const offer of offers) {
    const reason = refusal(offer, policy);
    if (reason === null) accepted.push(offer);
    else refused.push({ name: offer.name, reason });
  }
  return { accepted, refused };
}

function refusal(offer: MappingOffer, policy: OfferPolicy): string | null {
  const { fronts } = policy;
  switch (offer.mode) {
    case "http":
      return fronts.http ? null : "this server has no map_http_bind";
    case "https":
      return fronts.https ? null : "this server has no map_https_bind";
    case "proxy":
      return fronts.proxy ? null : "this server has no map_proxy_bind";
    case "tcp": {
      if (offer.remoteBind === undefined) {
        return fronts.tcp ? null : "this server has no map_tcp_bind (name a remote_bind)";
      }
      const addr = parseAddress(offer.remoteBind, false);
      if (addr === undefined) {
        return `remote_bind ${JSON.stringify(offer.remoteBind)} is not host:port`;
      }
      const allowed = policy.allowPorts.some((r) => addr.port >= r.low && addr.port <= r.high);
      return allowed ? null : `port ${addr.port} is not in this server's allow_ports`;
    }
  }
}
