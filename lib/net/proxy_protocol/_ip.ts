// Strict IP text <-> bytes for PROXY headers: the spec wants canonical text (no leading zeros
// in IPv4 parts), and v2 carries the raw bytes.

/** IPv4 dotted quad → 4 bytes; undefined unless exactly four parts 0..255 without leading zeros. */
export function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const n = parseDecimal(parts[i], 255);
    if (n === undefined) return undefined;
    out[i] = n;
  }
  return out;
}

/** A decimal 0..max with no sign, no leading zero (except "0" itself); else undefined. */
export function parseDecimal(text: string, max: number): number | undefined {
  if (text.length === 0 || text.length > 5 || !/^(0|[1-9][0-9]*)$/.test(text)) return undefined;
  const n = Number(text);
  return n <= max ? n : undefined;
}

/** IPv6 text (one `::` at most, optional dotted IPv4 tail, no zone) → 16 bytes. */
export function parseIpv6(text: string): Uint8Array | undefined {
  if (text.length < 2 || text.length > 45) return undefined;
  const out = new Uint8Array(16);
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const head = halves[0] === "" ? [] : halves[0].split(":");
  const tail = halves.length === 2 && halves[1] !== "" ? halves[1].split(":") : [];
  const groups: number[] = [];
  const all = [...head, ...tail];
  // A dotted IPv4 tail fills the last two groups.
  let v4: Uint8Array | undefined;
  const last = all[all.length - 1];
  if (last !== undefined && last.includes(".")) {
    if (text.endsWith("::")) return undefined;
    v4 = parseIpv4(last);
    if (v4 === undefined) return undefined;
    (tail.length > 0 ? tail : head).pop();
  }
  for (const g of [...head, ...tail]) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    groups.push(parseInt(g, 16));
  }
  const total = head.length + tail.length + (v4 ? 2 : 0);
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const put = (index: number, g: number) => {
    out[index * 2] = g >> 8;
    out[index * 2 + 1] = g & 0xff;
  };
  head.forEach((_, i) => put(i, groups[i]));
  const tailStart = 8 - tail.length - (v4 ? 2 : 0);
  tail.forEach((_, i) => put(tailStart + i, groups[head.length + i]));
  if (v4) out.set(v4, 12);
  return out;
}

/** 4 bytes → dotted quad. */
export function formatIpv4(bytes: Uint8Array): string {
  return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
}

/**
 * 16 bytes → RFC 5952 text (lowercase, the longest run of two or more zero groups as `::`),
 * IPv4-mapped as `::ffff:a.b.c.d`: the form Deno gives a connection's `remoteAddr`.
 */
export function formatIpv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${formatIpv4(bytes.subarray(12))}`;
  }
  let bestStart = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  const left = hex.slice(0, bestStart).join(":");
  const right = hex.slice(bestStart + bestLen).join(":");
  return `${left}::${right}`;
}
