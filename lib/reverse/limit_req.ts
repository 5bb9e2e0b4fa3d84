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

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A `limit_req_zone`: one token bucket per key, refilled at `rate` per second. A request
 * takes a token; a bucket holds `burst + 1` tokens at most, so `burst` requests beyond the
 * rate pass at once and the next are refused until tokens come back. Keys are kept in
 * least-recently-used order and the oldest is forgotten when the zone is full (a forgotten
 * key starts again with a full bucket).
 */
export class LimitZone {
  /** The options it was built with. */
  readonly options: LimitZoneOptions;
  /** The key template. */
  readonly key: Template;
  /** Keys kept at most. */
  readonly maxKeys: number;
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;

  /**
   * @param options name, key, rate and memory bound
   * @param now clock in milliseconds (tests pass their own)
   */
  constructor(options: LimitZoneOptions, now: () => number = Date.now) {
    this.options = options;
    this.key = compileTemplate(options.key);
    this.maxKeys = Math.max(1, Math.floor(options.limit / BYTES_PER_KEY));
    this.#now = now;
  }

  /** Keys currently tracked. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Takes a token for `key`; false when its bucket (of `burst + 1`) is empty. */
  take(key: string, burst: number): boolean {
    const now = this.#now();
    const cap = burst + 1;
    const buckets = this.#buckets;
    let b = buckets.get(key);
    if (b === undefined) {
      if (buckets.size >= this.maxKeys) buckets.delete(buckets.keys().next().value!);
      b = { tokens: cap, at: now };
    } else {
      buckets.delete(key); // re-inserted below: most recently used last
      b.tokens = Math.min(cap, b.tokens + ((now - b.at) / 1000) * this.options.rate);
      b.at = now;
    }
    buckets.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Takes a token for the key `src` expands the template to. */
  admit(src: VariableSource, burst: number): boolean {
    return this.take(this.key.expand(src), burst);
  }
}

/**
 * Zones by name and spec, so every location naming a zone shares its buckets, and a reload
 * that leaves a zone's spec unchanged keeps them.
 */
export class LimitZoneRegistry {
  readonly #zones = new Map<string, LimitZone>();

  /** The zone for `options`: the existing one when name and spec are unchanged. */
  zone(options: LimitZoneOptions): LimitZone {
    const id = JSON.stringify([options.name, options.key, options.rate, options.limit]);
    let z = this.#zones.get(id);
    if (!z) {
      // A changed spec replaces the zone of that name.
      for (const [k, old] of this.#zones) {
        if (old.options.name === options.name) this.#zones.delete(k);
      }
      z = new LimitZone(options);
      this.#zones.set(id, z);
    }
    return z;
  }
}

/** The registry the supervisor's listeners share. */
export const SHARED_ZONES: LimitZoneRegistry = new LimitZoneRegistry();
