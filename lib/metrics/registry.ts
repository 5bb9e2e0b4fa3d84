/**
 * A small metrics registry: labelled counters, gauges and fixed-bucket histograms that the
 * engines bump with plain number arithmetic, and a snapshot of plain numbers (what a worker
 * sends the main isolate on a scrape, where snapshots are summed).
 * @module
 */

/** The kind of a metric family, as the exposition format names it. */
export type MetricType = "counter" | "gauge" | "histogram";

/** One labelled series in a snapshot: its rendered labels and its numbers. */
export interface SeriesSnapshot {
  /** `a="1",b="2"`, escaped, "" for none. */
  readonly labels: string;
  /** A counter or gauge: one value; a histogram: per-bucket counts (not cumulative), then sum, count. */
  readonly values: number[];
}

/** A family's plain-data snapshot: structured-cloneable, summable. */
export interface FamilySnapshot {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  /** A histogram's upper bounds, ascending (the `+Inf` bucket is implied). */
  readonly buckets?: readonly number[];
  readonly series: SeriesSnapshot[];
}

/** A counter (or gauge) of one label set. */
export class Counter {
  /** The value now. */
  value = 0;
  /** Adds `n` (1 by default). */
  inc(n = 1): void {
    this.value += n;
  }
}

/** A histogram of one label set: counts per bucket, sum and count. */
export class Histogram {
  readonly #bounds: readonly number[];
  /** Per-bucket counts, the last one for `+Inf`. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(bounds: readonly number[]) {
    this.#bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** Records one value. */
  observe(v: number): void {
    const b = this.#bounds;
    let i = 0;
    while (i < b.length && v > b[i]) i++;
    this.counts[i]++;
    this.sum += v;
    this.count++;
  }
}

/** A metric family: children by label values, made on first use and kept. */
export class Family<T extends Counter | Histogram> {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly labelNames: readonly string[];
  readonly buckets: readonly number[] | undefined;
  readonly #children = new Map<string, { labels: string; child: T }>();
  readonly #make: () => T;

  constructor(
    name: string,
    help: string,
    type: MetricType,
    labelNames: readonly string[],
    make: () => T,
    buckets?: readonly number[],
  ) {
    this.name = name;
    this.help = help;
    this.type = type;
    this.labelNames = labelNames;
    this.#make = make;
    this.buckets = buckets;
  }

  /** The child for these label values (in {@link labelNames} order). */
  labels(...values: string[]): T {
    const key = values.join("\u0000");
    let entry = this.#children.get(key);
    if (entry === undefined) {
      entry = { labels: renderLabels(this.labelNames, values), child: this.#make() };
      this.#children.set(key, entry);
    }
    return entry.child;
  }

  /** Plain numbers of every child. */
  snapshot(): FamilySnapshot {
    const series: SeriesSnapshot[] = [];
    for (const { labels, child } of this.#children.values()) {
      const values = child instanceof Histogram
        ? [...child.counts, child.sum, child.count]
        : [(child as Counter).value];
      series.push({ labels, values });
    }
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      ...(this.buckets ? { buckets: this.buckets } : {}),
      series,
    };
  }
}

/** The families of one isolate. */
export class Registry {
  readonly #families: Family<Counter | Histogram>[] = [];

  /** A counter family (a `_total` name). */
  counter(name: string, help: string, labelNames: readonly string[] = []): Family<Counter> {
    return this.#add(new Family(name, help, "counter", labelNames, () => new Counter()));
  }

  /** A gauge family that the owner sets. */
  gauge(name: string, help: string, labelNames: readonly string[] = []): Family<Counter> {
    return this.#add(new Family(name, help, "gauge", labelNames, () => new Counter()));
  }

  /** A histogram family with fixed upper bounds. */
  histogram(
    name: string,
    help: string,
    labelNames: readonly string[],
    buckets: readonly number[],
  ): Family<Histogram> {
    return this.#add(
      new Family(name, help, "histogram", labelNames, () => new Histogram(buckets), buckets),
    );
  }

  /** Plain numbers of every family. */
  snapshot(): FamilySnapshot[] {
    return this.#families.map((f) => f.snapshot());
  }

  #add<T extends Counter | Histogram>(f: Family<T>): Family<T> {
    this.#families.push(f as unknown as Family<Counter | Histogram>);
    return f;
  }
}

/**
 * Snapshots of several isolates as one: families by name, series by labels, values summed
 * (histogram buckets, sums and counts too).
 */
export function mergeSnapshots(all: readonly (readonly FamilySnapshot[])[]): FamilySnapshot[] {
  const out = new Map<string, { family: FamilySnapshot; byLabels: Map<string, number[]> }>();
  for (const snapshot of all) {
    for (const f of snapshot) {
      let m = out.get(f.name);
      if (m === undefined) {
        m = { family: { ...f, series: [] }, byLabels: new Map() };
        out.set(f.name, m);
      }
      for (const s of f.series) {
        const have = m.byLabels.get(s.labels);
        if (have === undefined) {
          const values = [...s.values];
          m.byLabels.set(s.labels, values);
          m.family.series.push({ labels: s.labels, values });
        } else {
          for (let i = 0; i < have.length; i++) have[i] += s.values[i] ?? 0;
        }
      }
    }
  }
  return [...out.values()].map((m) => m.family);
}

/** `a="x",b="y"` with values escaped as the exposition format wants. */
export function renderLabels(names: readonly string[], values: readonly string[]): string {
  let out = "";
  for (let i = 0; i < names.length; i++) {
    if (i > 0) out += ",";
    out += `${names[i]}="${escapeLabel(values[i] ?? "")}"`;
  }
  return out;
}

function escapeLabel(v: string): string {
  return v.replace(/[\\"\n]/g, (c) => c === "\n" ? "\\n" : `\\${c}`);
}
