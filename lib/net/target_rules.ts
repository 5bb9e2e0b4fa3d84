import { CidrSet } from "./cidr.ts";

/** One rule: addresses (a CIDR block, or any) and a port range. */
interface TargetRule {
  readonly block: CidrSet | null;
  readonly low: number;
  readonly high: number;
}

const ENTRY = /^(?:\*|\[([^\]]+)\]|([0-9.]+(?:\/\d{1,2})?))(?::(\d{1,5})(?:-(\d{1,5}))?)?$/;

/**
 * A list of target rules, each `CIDR`, `CIDR:PORT` or `CIDR:LOW-HIGH`, IPv6 in brackets
 * (`[fd00::/8]:443`), `*` for any address (`*:25`): what a forward proxy may or may not reach.
 */
export class TargetRules {
  readonly #rules: readonly TargetRule[];
  /** The rules as written. */
  readonly source: readonly string[];

  private constructor(rules: TargetRule[], source: readonly string[]) {
    this.#rules = rules;
    this.source = source;
  }

  /**
   * Parses rules; returns the invalid entries instead when there are any.
   * @param entries rules as written
   * @returns the rules, or `{ invalid }`
   */
  static parse(entries: readonly string[]): TargetRules | { invalid: string[] } {
    const rules: TargetRule[] = [];
    const invalid: string[] = [];
    for (const entry of entries) {
      const m = ENTRY.exec(entry.trim());
      const cidr = m?.[1] ?? m?.[2];
      const block = cidr === undefined ? null : CidrSet.parse([cidr]);
      const low = m?.[3] === undefined ? 0 : Number(m[3]);
      const high = m?.[4] !== undefined ? Number(m[4]) : m?.[3] !== undefined ? low : 65535;
      if (!m || (block !== null && !(block instanceof CidrSet)) || high > 65535 || low > high) {
        invalid.push(entry);
        continue;
      }
      rules.push({ block: block as CidrSet | null, low, high });
    }
    return invalid.length > 0 ? { invalid } : new TargetRules(rules, entries);
  }

  /**
   * Whether any rule covers `ip` and `port`.
   * @param ip an IPv4 or IPv6 literal
   * @param port a port
   * @returns true on a match
   */
  has(ip: string, port: number): boolean {
    for (const r of this.#rules) {
      if (port < r.low || port > r.high) continue;
      if (r.block === null || r.block.has(ip)) return true;
    }
    return false;
  }
}
