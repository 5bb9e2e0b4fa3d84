import type { Weighted } from "./selector.ts";

/** Options for {@link HashSelector}. */
export interface HashSelectorOptions {
  /** Ring points per unit of weight (weight 100 → 160 points). @default 1.6 */
  readonly pointsPerWeight?: number;
}

/**
 * Consistent hashing (a ketama-style ring): each server owns points on a 32-bit ring in
 * proportion to its weight, and a key goes to the owner of the first point at or after the
 * key's hash. The same key keeps its server while that server is eligible; when it is not,
 * the key moves to the next eligible owner along the ring, and adding or removing a server
 * moves only about 1/n of the keys (a modulo hash would move most of them).
 */
export class HashSelector<T extends Weighted> {
  /** The servers picked from, fixed for the selector's life. */
  readonly servers: readonly T[];
  readonly #points: Uint32Array;
  readonly #owners: Uint32Array;

  /** Builds the ring for `servers`, which it does not copy. */
  constructor(servers: readonly T[], options: HashSelectorOptions = {}) {
    this.servers = servers;
    const per = options.pointsPerWeight ?? 1.6;
    const ring: [number, number][] = [];
    servers.forEach((s, i) => {
      if (s.weight <= 0) return;
      const n = Math.max(1, Math.round(s.weight * per));
      for (let k = 0; k < n; k++) ring.push([hashString(`${s.addr}#${k}`), i]);
    });
    ring.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    this.#points = Uint32Array.from(ring, (p) => p[0]);
    this.#owners = Uint32Array.from(ring, (p) => p[1]);
  }

  /**
   * The server for `key`, skipping those in `exclude` and those `eligible` rejects;
   * undefined when none is left.
   */
  nextFor(key: string, exclude?: ReadonlySet<T>, eligible?: (server: T) => boolean): T | undefined {
    const points = this.#points;
    const n = points.length;
    if (n === 0) return undefined;
    const h = hashString(key);
    // The first point >= h (wrapping to 0).
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (points[mid] < h) lo = mid + 1;
      else hi = mid;
    }
    let last = -1;
    for (let k = 0; k < n; k++) {
      const owner = this.#owners[(lo + k) % n];
      if (owner === last) continue;
      last = owner;
      const s = this.servers[owner];
      if (exclude?.has(s) || (eligible && !eligible(s))) continue;
      return s;
    }
    return undefined;
  }
}

/** FNV-1a over the UTF-16 code units of `text`, finished with murmur3's mixer; unsigned. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
