import { isIpv4, isIpv6 } from "./address.ts";

/** One CIDR block, as a network and prefix length over 32 (IPv4) or 128 (IPv6) bits. */
interface Block {
  readonly v6: boolean;
  readonly network: bigint;
  readonly bits: number;
}

/** Parses an IPv4 or IPv6 literal to its integer value; undefined if it is neither. */
export function ipToBigInt(ip: string): { v6: boolean; value: bigint } | undefined {
  const bare = ip.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  if (isIpv4(bare)) {
    return { v6: false, value: bare.split(".").reduce((n, p) => (n << 8n) | BigInt(p), 0n) };
  }
  if (!isIpv6(bare)) return undefined;
  let text = bare;
  const v4tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4tail) {
    const v4 = ipToBigInt(v4tail[1])!.value;
    text = text.slice(0, -v4tail[1].length) +
      `${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  if (groups.length !== 8) return undefined;
  return {
    v6: true,
    value: groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g || "0", 16)), 0n),
  };
}

/** A set of CIDR blocks (`10.0.0.0/8`, `::1`, `192.168.1.7`) to test client addresses against. */
export class CidrSet {
  readonly #blocks: readonly Block[];
  /** The blocks as written. */
  readonly source: readonly string[];

  private constructor(blocks: Block[], source: string[]) {
    this.#blocks = blocks;
    this.source = source;
  }

  /** Parses a list of blocks; returns the invalid entries instead when there are any. */
  static parse(entries: readonly string[]): CidrSet | { invalid: string[] } {
    const blocks: Block[] = [];
    const invalid: string[] = [];
    for (const entry of entries) {
      const [ip, prefix, extra] = entry.trim().split("/");
      const parsed = ipToBigInt(ip);
      const max = parsed?.v6 ? 128 : 32;
      const bits = prefix === undefined ? max : /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
      if (!parsed || extra !== undefined || !(bits >= 0 && bits <= max)) {
        invalid.push(entry);
        continue;
      }
      const mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(max - bits);
      blocks.push({ v6: parsed.v6, network: parsed.value & mask, bits });
    }
    return invalid.length ? { invalid } : new CidrSet(blocks, [...entries]);
  }

  /** Whether `ip` falls in any block; IPv4-mapped IPv6 addresses match IPv4 blocks. */
  has(ip: string): boolean {
    let parsed = ipToBigInt(ip);
    if (!parsed) return false;
    if (parsed.v6 && parsed.value >> 32n === 0xffffn) {
      parsed = { v6: false, value: parsed.value & 0xffffffffn };
    }
    for (const b of this.#blocks) {
      if (b.v6 !== parsed.v6) continue;
      const max = b.v6 ? 128 : 32;
      const mask = b.bits === 0 ? 0n : ((1n << BigInt(b.bits)) - 1n) << BigInt(max - b.bits);
      if ((parsed.value & mask) === b.network) return true;
    }
    return false;
  }
}

/** Whether a client may connect: not in `deny`, and in `allow` when an allow list is set. */
export function ipAllowed(ip: string, allow: CidrSet | null, deny: CidrSet | null): boolean {
  if (deny?.has(ip)) return false;
  return allow ? allow.has(ip) : true;
}
