// IP literals to and from the raw bytes SOCKS5 carries (4 or 16, network order).
import { isIpv4, isIpv6 } from "../../net/address.ts";
import { ipToBigInt } from "../../net/cidr.ts";

/** The 4 or 16 bytes of an IPv4 or IPv6 literal (IPv6 without brackets); undefined otherwise. */
export function ipToBytes(ip: string): Uint8Array | undefined {
  if (isIpv4(ip)) return Uint8Array.from(ip.split(".").map(Number));
  if (!isIpv6(ip)) return undefined;
  const parsed = ipToBigInt(ip);
  if (!parsed) return undefined;
  const out = new Uint8Array(16);
  let v = parsed.value;
  for (let i = 15; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/**
 * The text form of 4 or 16 address bytes. IPv6 follows RFC 5952 (lower case, the longest run
 * of two or more zero groups as `::`, IPv4-mapped as `::ffff:a.b.c.d`), which is also how Deno
 * reports peer addresses, so the two can be compared as strings.
 */
export function bytesToIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  }
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (list: number[]) => list.map((g) => g.toString(16)).join(":");
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

/** `::ffff:a.b.c.d` as `a.b.c.d`; any other address unchanged. */
export function unmapIpv4(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m ? m[1] : ip;
}

/** Whether the address is `0.0.0.0` or `::` (a client saying "I don't know yet"). */
export function isUnspecifiedIp(ip: string): boolean {
  const bytes = ipToBytes(ip);
  return bytes !== undefined && bytes.every((b) => b === 0);
}
