/**
 * A small metrics registry: labelled counters, gauges and fixed-bucket histograms that the
 * engines bump with plain number arithmetic, and a compact snapshot of plain numbers (what a
 * worker sends the main isolate on a scrape, where snapshots are summed).
 * @module
 */

/** The kind of a metric family, as the exposition format names it. */
export type MetricType = "counter" | "gauge" | "histogram";

/**
 * A family's plain-data snapshot, compact so it crosses from a worker cheaply (one array of
 * strings and one of numbers, no object per series) and sums quickly.
 */
export interface FamilySnapshot {
  /** The metric name, e.g. `wmproxy_reloads_total`. */
  readonly name: string;
  /** The `# HELP` text. */
  readonly help: string;
  /** Counter, gauge or histogram. */
  readonly type: MetricType;
  /** A histogram's upper bounds, ascending (the `+Inf` bucket is implied). */
  readonly buckets?: readonly number[];
  /**
   * How {@link mergeSnapshots} folds the same series of several isolates: summed (the default)
   * or the smallest (a 0/1 gauge that holds only if it holds everywhere).
   */
  readonly merge?: "sum" | "min";
  /** Each series' rendered labels, `a="1",b="2"` (escaped), "" for none. */
  readonly labels: readonly string[];
  /**
   * {@link stride} numbers per series, in `labels` order: a counter or gauge its value; a
   * histogram per-bucket counts (not cumulative, `+Inf` last), then sum, then count.
   */
  readonly values: Float64Array;
}

/** How many numbers each series of `f` has in {@link FamilySnapshot.values}. */
export function stride(f: Pick<FamilySnapshot, "buckets">): number {
  return f.buckets ? f.buckets.length + 3 : 1;
}

/** A snapshot of `series` (label string and numbers each), for families built at scrape time. */
export function familyOf(
  name: string,
  help: string,
  type: MetricType,
  series: readonly { readonly labels: string; readonly value: number }[],
  merge?: "sum" | "min",
): FamilySnapshot {
  const values = new Float64Array(series.length);
  const labels: string[] = new Array(series.length);
  for (let i = 0; i < series.length; i++) {
    labels[i] = series[i].labels;
    values[i] = series[i].value;
  }
  return { name, help, type, ...(merge ? { merge } : {}), labels, values };
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
  readonly #children = new Map<string, T>();
  /** Rendered labels and children in creation order (children are never removed). */
  readonly #labels: string[] = [];
  readonly #list: T[] = [];
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
    let child = this.#children.get(key);
    if (child === undefined) {
      child = this.#make();
      this.#children.set(key, child);
      this.#labels.push(renderLabels(this.labelNames, values));
      this.#list.push(child);
    }
    return child;
  }

  /** Plain numbers of every child. */
  snapshot(): FamilySnapshot {
    const list = this.#list;
    const n = list.length;
    const step = stride(this);
    const values = new Float64Array(n * step);
    if (this.type === "histogram") {
      const b = step - 2;
      for (let i = 0; i < n; i++) {
        const h = list[i] as Histogram;
        const at = i * step;
        values.set(h.counts, at);
        values[at + b] = h.sum;
        values[at + b + 1] = h.count;
      }
    } else {
      for (let i = 0; i < n; i++) values[i] = (list[i] as Counter).value;
    }
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      ...(this.buckets ? { buckets: this.buckets } : {}),
      labels: this.#labels.slice(),
      values,
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
 * Snapshots of several isolates as one: families by name (in first-seen order), series by
 * labels, values summed (histogram buckets, sums and counts too) or, for a `min` family, the
 * smallest. The inputs are not changed; a family only one isolate has is passed through.
 */
export function mergeSnapshots(all: readonly (readonly FamilySnapshot[])[]): FamilySnapshot[] {
  const byName = new Map<string, FamilySnapshot[]>();
  for (const snapshot of all) {
    for (const f of snapshot) {
      const have = byName.get(f.name);
      if (have === undefined) byName.set(f.name, [f]);
      else if (f.labels.length > 0) {
        if (have[0].labels.length === 0) have[0] = f;
        else have.push(f);
      }
    }
  }
  const out: FamilySnapshot[] = [];
  for (const parts of byName.values()) out.push(parts.length === 1 ? parts[0] : mergeFamily(parts));
  return out;
}

function mergeFamily(parts: readonly FamilySnapshot[]): FamilySnapshot {
  const first = parts[0];
  const step = stride(first);
  const min = first.merge === "min";
  const index = new Map<string, number>();
  const labels: string[] = [];
  for (const p of parts) {
    for (const l of p.labels) {
      if (!index.has(l)) {
        index.set(l, labels.length);
        labels.push(l);
      }
    }
  }
  const values = new Float64Array(labels.length * step);
  const seen = min ? new Uint8Array(labels.length) : undefined;
  for (const p of parts) {
    const v = p.values;
    for (let i = 0; i < p.labels.length; i++) {
      const k = index.get(p.labels[i])!;
      const at = k * step;
      const from = i * step;
      if (seen !== undefined) {
        values[at] = seen[k] === 0 ? v[from] : Math.min(values[at], v[from]);
        seen[k] = 1;
      } else {
        for (let j = 0; j < step; j++) values[at + j] += v[from + j];
      }
    }
  }
  return { ...first, labels, values };
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
