/**
 * A `limit_req` zone's buckets in a SharedArrayBuffer, so that every Worker of the process
 * admits against the same buckets.
 * @module
 */
import type { BucketTable } from "../reverse/limit_req.ts";

/** Keys per set: a key lives in one set of this many slots, found by its hash. */
const WAYS = 8;

// Lock states (a futex-style mutex): free, held, held with waiters.
const FREE = 0;
const HELD = 1;
const CONTENDED = 2;

// Int32 words: one lock per set, then per slot the two halves of the key's 64-bit hash.
// Float64 words: one use counter per set, then per slot tokens, last refill and last use.
const SLOT_INTS = 2;
const SLOT_FLOATS = 3;

/** The shape of a table of `maxKeys` keys at most: sets of {@link WAYS} slots. */
function geometry(maxKeys: number): { sets: number; ways: number } {
  const ways = Math.min(WAYS, Math.max(1, maxKeys));
  return { sets: Math.max(1, Math.floor(maxKeys / ways)), ways };
}

function floatOffset(sets: number, ways: number): number {
  const ints = (sets + 1 + sets * ways * SLOT_INTS) * 4;
  return Math.ceil(ints / 8) * 8;
}

/**
 * A {@link BucketTable} over a SharedArrayBuffer: a set-associative table of `maxKeys` slots
 * at most (sets of 8), keys known by a 64-bit hash of their text. A key lives in the set its
 * hash picks; a new key takes a free slot of that set or the least recently used one. Each set
 * has its own Atomics lock, held only for the few reads and writes of one `take`, so Workers
 * sharing the buffer see one bucket per key. Memory: 32 bytes a key plus 12 a set, within the
 * 64 bytes a key that `limit` reckons with.
 */
export class SharedBuckets implements BucketTable {
  /** The buffer to hand to other Workers (`new SharedBuckets(buffer, maxKeys)` there). */
  readonly buffer: SharedArrayBuffer;
  /** Keys kept at most. */
  readonly capacity: number;
  readonly #ints: Int32Array;
  readonly #floats: Float64Array;
  readonly #sets: number;
  readonly #ways: number;

  /**
   * A table of `maxKeys` keys at most, over `buffer` (as {@link SharedBuckets.bytes} sizes it)
   * or a new zeroed one.
   */
  constructor(maxKeys: number, buffer?: SharedArrayBuffer) {
    const { sets, ways } = geometry(maxKeys);
    const bytes = SharedBuckets.bytes(maxKeys);
    if (buffer && buffer.byteLength !== bytes) {
      throw new RangeError(
        `a table of ${maxKeys} keys takes ${bytes} bytes, not ${buffer.byteLength}`,
      );
    }
    this.buffer = buffer ?? new SharedArrayBuffer(bytes);
    this.capacity = sets * ways;
    this.#sets = sets;
    this.#ways = ways;
    const at = floatOffset(sets, ways);
    this.#ints = new Int32Array(this.buffer, 0, at / 4);
    this.#floats = new Float64Array(this.buffer, at, sets + sets * ways * SLOT_FLOATS);
  }

  /** Bytes of the buffer of a table of `maxKeys` keys at most. */
  static bytes(maxKeys: number): number {
    const { sets, ways } = geometry(maxKeys);
    return floatOffset(sets, ways) + (sets + sets * ways * SLOT_FLOATS) * 8;
  }

  /** Keys currently tracked (the count in the shared header). */
  get size(): number {
    return Atomics.load(this.#ints, this.#sets);
  }

  /** See {@link BucketTable.take}; atomic with respect to every Worker sharing the buffer. */
  take(key: string, cap: number, rate: number, now: number): boolean {
    // Two 32-bit FNV-1a style hashes with different primes and seeds: 64 bits of key.
    let a = 0x811c9dc5 | 0;
    let b = 0x050c5d1f | 0;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
    }
    b ^= b >>> 15;
    if (a === 0 && b === 0) b = 1; // (0, 0) marks a free slot
    const ints = this.#ints;
    const floats = this.#floats;
    const ways = this.#ways;
    const set = ((a ^ (b >>> 7)) >>> 0) % this.#sets;
    const firstInt = this.#sets + 1 + set * ways * SLOT_INTS;
    const firstFloat = this.#sets + set * ways * SLOT_FLOATS;
    lock(ints, set);
    try {
      const stamp = ++floats[set];
      let slot = -1;
      let free = -1;
      let oldest = -1;
      let oldestStamp = Infinity;
      for (let w = 0; w < ways; w++) {
        const i = firstInt + w * SLOT_INTS;
        const ha = ints[i];
        const hb = ints[i + 1];
        if (ha === a && hb === b) {
          slot = w;
          break;
        }
        if (ha === 0 && hb === 0) {
          if (free < 0) free = w;
        } else {
          const used = floats[firstFloat + w * SLOT_FLOATS + 2];
          if (used < oldestStamp) {
            oldestStamp = used;
            oldest = w;
          }
        }
      }
      let tokens: number;
      let f: number;
      if (slot >= 0) {
        f = firstFloat + slot * SLOT_FLOATS;
        tokens = Math.min(cap, floats[f] + ((now - floats[f + 1]) / 1000) * rate);
      } else {
        const w = free >= 0 ? free : oldest;
        if (free >= 0) Atomics.add(ints, this.#sets, 1);
        ints[firstInt + w * SLOT_INTS] = a;
        ints[firstInt + w * SLOT_INTS + 1] = b;
        f = firstFloat + w * SLOT_FLOATS;
        tokens = cap;
      }
      floats[f + 1] = now;
      floats[f + 2] = stamp;
      const admitted = tokens >= 1;
      floats[f] = admitted ? tokens - 1 : tokens;
      return admitted;
    } finally {
      unlock(ints, set);
    }
  }
}

function lock(ints: Int32Array, at: number): void {
  let c = Atomics.compareExchange(ints, at, FREE, HELD);
  if (c === FREE) return;
  for (let spin = 0; spin < 100 && c !== FREE; spin++) {
    c = Atomics.compareExchange(ints, at, FREE, HELD);
    if (c === FREE) return;
  }
  if (c !== CONTENDED) c = Atomics.exchange(ints, at, CONTENDED);
  while (c !== FREE) {
    Atomics.wait(ints, at, CONTENDED, 10);
    c = Atomics.exchange(ints, at, CONTENDED);
  }
}

function unlock(ints: Int32Array, at: number): void {
  if (Atomics.sub(ints, at, 1) !== HELD) {
    Atomics.store(ints, at, FREE);
    Atomics.notify(ints, at, 1);
  }
}
