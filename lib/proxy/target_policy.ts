import { CidrSet } from "../net/cidr.ts";
import type { TargetRules } from "../net/target_rules.ts";

/** Why a forward-proxy target was refused (for the log line and the 403 body). */
export type TargetRefusal = "denied by target_deny" | "this proxy itself" | "a local address";

/** What {@link TargetPolicy} needs to know. */
export interface TargetPolicyOptions {
  /** Targets refused whatever else says (`target_deny`). @default none */
  readonly deny?: TargetRules | null;
  /** Targets allowed even where the defaults refuse (`target_allow`). @default none */
  readonly allow?: TargetRules | null;
  /**
   * Whether `ip:port` is this process: its control endpoint or one of its listeners (what a
   * proxied request could use to read `/now` or call `/stop`). @default never
   */
  readonly isSelf?: (ip: string, port: number) => boolean;
  /**
   * The proxy listens off loopback, so its clients are other machines: loopback, link-local
   * (169.254.0.0/16, cloud metadata; fe80::/10) and unspecified addresses are refused too.
   * @default false
   */
  readonly exposed?: boolean;
}

const LOCAL = CidrSet.parse([
  "127.0.0.0/8",
  "::1/128",
  "169.254.0.0/16",
  "fe80::/10",
  "0.0.0.0/32",
  "::/128",
]) as CidrSet;

/**
 * Which resolved targets a forward proxy may connect to (SSRF): `deny` first, then `allow`,
 * then the defaults (never this process; off loopback, no local address).
 */
export class TargetPolicy {
  readonly #o: TargetPolicyOptions;

  /** @param options rules and what counts as this process */
  constructor(options: TargetPolicyOptions = {}) {
    this.#o = options;
  }

  /**
   * Why connecting to `ip:port` is refused, or null when it may go ahead.
   * @param ip the resolved address (an IP literal)
   * @param port the port
   * @returns a refusal reason, or null
   */
  refusal(ip: string, port: number): TargetRefusal | null {
    const o = this.#o;
    if (o.deny?.has(ip, port)) return "denied by target_deny";
    if (o.allow?.has(ip, port)) return null;
    // A connected socket's peer is never unspecified; only a literal target can be, so the
    // cheap string test suffices (no BigInt work per connection).
    const unspecified = ip === "0.0.0.0" || ip === "::" || ip === "::0";
    if (o.isSelf?.(unspecified ? "127.0.0.1" : ip, port)) {
      return "this proxy itself";
    }
    if (o.exposed && LOCAL.has(ip)) return "a local address";
    return null;
  }
}
