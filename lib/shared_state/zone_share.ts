/**
 * Sharing `limit_req` zones between the main isolate and its Workers: main owns one
 * {@link SharedBuckets} buffer per zone spec and exports them; a Worker imports them, so
 * every location naming a zone, in any Worker, takes tokens from the same buckets.
 * @module
 */
import {
  type BucketTableSource,
  type LimitZoneOptions,
  type LimitZoneRegistry,
  LocalBuckets,
  zoneId,
} from "../reverse/limit_req.ts";
import { SharedBuckets } from "./shared_buckets.ts";

/** One zone as it crosses to a Worker (structured-cloneable). */
export interface SharedZone {
  /** The zone's spec. */
  readonly options: LimitZoneOptions;
  /** Its buckets ({@link SharedBuckets.buffer}). */
  readonly buffer: SharedArrayBuffer;
}

/**
 * The main isolate's side: hands `registry` a source of shared tables, one buffer per zone
 * spec, kept while the spec is exported and replaced when it changes.
 */
export class ZoneExporter {
  readonly #registry: LimitZoneRegistry;
  #tables = new Map<string, SharedZone>();
  readonly #source: BucketTableSource;

  /** Makes zones `registry` creates from now on shared ones. */
  constructor(registry: LimitZoneRegistry) {
    this.#registry = registry;
    this.#source = (options, maxKeys) => this.#table(options, maxKeys);
    registry.useTables(this.#source);
  }

  /**
   * The zones to hand to Workers. With `specs` (every zone of the configuration being
   * applied), exactly those: a spec exported before keeps its buffer, a new or changed one
   * gets a new buffer, and zones no longer named are dropped. Without, every zone made so far.
   */
  export(specs?: Iterable<LimitZoneOptions>): SharedZone[] {
    this.#registry.useTables(this.#source);
    if (specs) {
      const keep = new Map<string, SharedZone>();
      for (const options of specs) {
        // The registry keeps a zone whose spec is unchanged, else makes one (and its table).
        const { table } = this.#registry.zone(options);
        if (!(table instanceof SharedBuckets)) throw new Error("the zone registry is not shared");
        keep.set(zoneId(options), { options: { ...options }, buffer: table.buffer });
      }
      this.#tables = keep;
    }
    return [...this.#tables.values()];
  }

  #table(options: LimitZoneOptions, maxKeys: number): SharedBuckets {
    const id = zoneId(options);
    const known = this.#tables.get(id);
    if (known) return new SharedBuckets(maxKeys, known.buffer);
    const t = new SharedBuckets(maxKeys);
    this.#tables.set(id, { options: { ...options }, buffer: t.buffer });
    return t;
  }
}

/**
 * A Worker's side: hands `registry` a source of tables over the buffers main exported. A zone
 * main did not export (it should not happen) gets this Worker's own buckets.
 */
export class ZoneImporter {
  #buffers = new Map<string, SharedArrayBuffer>();
  readonly #registry: LimitZoneRegistry;
  readonly #source: BucketTableSource;

  /** Makes zones `registry` creates from now on come from imported buffers. */
  constructor(registry: LimitZoneRegistry) {
    this.#registry = registry;
    this.#source = (options, maxKeys) => {
      const buffer = this.#buffers.get(zoneId(options));
      return buffer ? new SharedBuckets(maxKeys, buffer) : new LocalBuckets(maxKeys);
    };
    registry.useTables(this.#source);
  }

  /**
   * Takes the zones of a new export (at start and before each reload is applied); zones the
   * registry already has with an unchanged spec keep their buffer, which main kept too.
   */
  import(zones: readonly SharedZone[]): void {
    this.#registry.useTables(this.#source);
    this.#buffers = new Map(zones.map((z) => [zoneId(z.options), z.buffer]));
  }
}
