import type { VariableSource } from "../http/variables.ts";
import { compileTemplate, type Template } from "./template.ts";

/** Bytes one key of a zone is reckoned to take, to turn `limit=10m` into a key count. */
export const BYTES_PER_KEY = 64;

/** What a {@link LimitZone} is built from (a `limit_req_zone` entry). */
export interface LimitZoneOptions {
  /** The zone's name. */
  readonly name: string;
  /** Key template, e.g. `{client_ip}`. */
  readonly key: string;
  /** Requests per second each key may make on average. */
  readonly rate: number;
  /** Memory bound in bytes; the zone keeps `limit / 64` keys at most (at least one). */
  readonly limit: number;
}

/**
 * Where a {@link LimitZone} keeps its buckets: at most its `maxKeys` keys, forgetting the
 * least recently used when full (a forgotten key starts again with a full bucket).
 */
export interface BucketTable {
  /** Keys currently tracked. */
  readonly size: number;
  /**
   * Refills `key`'s bucket (which holds `cap` tokens at most) at `rate` per second since it was
   * last used, then takes a token; false when less than one was left. A new key starts full.
   */
  take(key: string, cap: number, rate: number, now: number): boolean;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** The {@link BucketTable} of one isolate: a `Map` in least-recently-used order. */
export class LocalBuckets implements BucketTable {
  readonly #buckets = new Map<string, Bucket>();
  readonly #maxKeys: number;
  /**
   * A live iterator over the keys, kept from one eviction to the next: every key before its
   * position was evicted or moved to the end, so the next key is the oldest. A new iterator
   * each time would step again over every entry deleted since the Map last rehashed (V8 keeps
   * them as holes): tens of microseconds a request for a full zone of 160 000 keys.
   */
  #keys: MapIterator<string> | null = null;

  /** A table of `maxKeys` keys at most. */
  constructor(maxKeys: number) {
    this.#maxKeys = maxKeys;
  }

  /** Keys currently tracked. */
  get size(): number {
    return this.#buckets.size;
  }

  /** See {@link BucketTable.take}. */
  take(key: string, cap: number, rate: number, now: number): boolean {
    const buckets = this.#buckets;
    let b = buckets.get(key);
    if (b === undefined) {
      if (buckets.size >= this.#maxKeys) buckets.delete(this.#oldest());
      b = { tokens: cap, at: now };
    } else {
      buckets.delete(key); // re-inserted below: most recently used last
      b.tokens = Math.min(cap, b.tokens + ((now - b.at) / 1000) * rate);
      b.at = now;
    }
    buckets.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  #oldest(): string {
    let next = this.#keys?.next();
    if (!next || next.done) {
      this.#keys = this.#buckets.keys();
      next = this.#keys.next();
    }
    return next.value!;
  }
}

/** The keys a zone of `limit` bytes keeps at most: `limit / 64`, at least one. */
export function zoneMaxKeys(limit: number): number {
  return Math.max(1, Math.floor(limit / BYTES_PER_KEY));
}

/** The identity of a zone's spec: name, key, rate and limit; equal ids share buckets. */
export function zoneId(options: LimitZoneOptions): string {
  return JSON.stringify([options.name, options.key, options.rate, options.limit]);
}

/** How a {@link LimitZone} is made, besides its spec. */
export interface LimitZoneInit {
  /** Clock in milliseconds (tests pass their own). @default Date.now */
  readonly now?: () => number;
  /** Where buckets live. @default a new {@link LocalBuckets} of `maxKeys` */
  readonly table?: BucketTable;
}

/**
 * A `limit_req_zone`: one token bucket per key, refilled at `rate` per second. A request
 * takes a token; a bucket holds `burst + 1` tokens at most, so `burst` requests beyond the
 * rate pass at once and the next are refused until tokens come back. Keys are kept in
 * least-recently-used order and the oldest is forgotten when the zone is full (a forgotten
 * key starts again with a full bucket). The buckets live in a {@link BucketTable}: this
 * isolate's own by default, or one shared with other workers (lib/shared_state).
 */
export class LimitZone {
  /** The options it was built with. */
  readonly options: LimitZoneOptions;
  /** The key template. */
  readonly key: Template;
  /** Keys kept at most. */
  readonly maxKeys: number;
  /** Where the buckets live. */
  readonly table: BucketTable;
  readonly #now: () => number;
  readonly #rate: number;

  /**
   * @param options name, key, rate and memory bound
   * @param init clock in milliseconds (tests pass their own), or clock and bucket table
   */
  constructor(options: LimitZoneOptions, init: (() => number) | LimitZoneInit = {}) {
    const { now = Date.now, table = undefined } = typeof init === "function" ? { now: init } : init;
    this.options = options;
    this.key = compileTemplate(options.key);
    this.maxKeys = zoneMaxKeys(options.limit);
    this.table = table ?? new LocalBuckets(this.maxKeys);
    this.#now = now;
    this.#rate = options.rate;
  }

  /** Keys currently tracked. */
  get size(): number {
    return this.table.size;
  }

  /** Takes a token for `key`; false when its bucket (of `burst + 1`) is empty. */
  take(key: string, burst: number): boolean {
    return this.table.take(key, burst + 1, this.#rate, this.#now());
  }

  /** Takes a token for the key `src` expands the template to. */
  admit(src: VariableSource, burst: number): boolean {
    return this.take(this.key.expand(src), burst);
  }
}

/**
 * Makes the bucket table of a zone a registry creates; null means a {@link LocalBuckets}.
 * @param options the zone's spec
 * @param maxKeys keys the table may keep at most ({@link zoneMaxKeys})
 */
export type BucketTableSource = (options: LimitZoneOptions, maxKeys: number) => BucketTable | null;

/**
 * Zones by name and spec, so every location naming a zone shares its buckets, and a reload
 * that leaves a zone's spec unchanged keeps them.
 */
export class LimitZoneRegistry {
  readonly #zones = new Map<string, LimitZone>();
  #tables: BucketTableSource | null = null;

  /** The zone for `options`: the existing one when name and spec are unchanged. */
  zone(options: LimitZoneOptions): LimitZone {
    const id = zoneId(options);
    let z = this.#zones.get(id);
    if (!z) {
      // A changed spec replaces the zone of that name.
      for (const [k, old] of this.#zones) {
        if (old.options.name === options.name) this.#zones.delete(k);
      }
      const table = this.#tables?.(options, zoneMaxKeys(options.limit)) ?? undefined;
      z = new LimitZone(options, { table });
      this.#zones.set(id, z);
    }
    return z;
  }

  /**
   * Makes the tables of zones created from now on with `source` (null: this isolate's own).
   * Zones made before are forgotten, so the next {@link zone} call for any spec gets a table
   * from `source`; locations already built keep theirs.
   */
  useTables(source: BucketTableSource | null): void {
    if (source === this.#tables) return;
    this.#tables = source;
    this.#zones.clear();
  }
}

/** The registry the supervisor's listeners share. */
export const SHARED_ZONES: LimitZoneRegistry = new LimitZoneRegistry();
