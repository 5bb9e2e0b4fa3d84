/**
 * An ordered list of header fields as they appeared on the wire: names keep their case,
 * repeated fields stay separate, lookups are case-insensitive.
 */
export class HeaderList {
  readonly #names: string[] = [];
  readonly #lower: string[] = [];
  readonly #values: string[] = [];

  /**
   * Creates a list.
   * @param fields initial `[name, value]` pairs, in order
   */
  constructor(fields: Iterable<readonly [string, string]> = []) {
    for (const [name, value] of fields) this.add(name, value);
  }

  /** Number of fields. */
  get size(): number {
    return this.#names.length;
  }

  /** Appends a field. */
  add(name: string, value: string): void {
    this.#names.push(name);
    this.#lower.push(lowerCase(name));
    this.#values.push(value);
  }

  /** Appends a field whose lower-case name is already known (parsers use it). */
  addLower(name: string, lower: string, value: string): void {
    this.#names.push(name);
    this.#lower.push(lower);
    this.#values.push(value);
  }

  /** The value of the first field called `name`, or undefined. */
  get(name: string): string | undefined {
    const i = this.#lower.indexOf(lowerCase(name));
    return i < 0 ? undefined : this.#values[i];
  }

  /** The values of every field called `name`, in order. */
  getAll(name: string): string[] {
    const lower = lowerCase(name);
    const out: string[] = [];
    for (let i = 0; i < this.#lower.length; i++) {
      if (this.#lower[i] === lower) out.push(this.#values[i]);
    }
    return out;
  }

  /** How many fields are called `name`. */
  count(name: string): number {
    const lower = lowerCase(name);
    let n = 0;
    for (const l of this.#lower) if (l === lower) n++;
    return n;
  }

  /** Whether a field called `name` is present. */
  has(name: string): boolean {
    return this.#lower.includes(lowerCase(name));
  }

  /** Removes every field called `name`; returns how many were removed. */
  delete(name: string): number {
    const lower = lowerCase(name);
    let removed = 0;
    for (let i = this.#lower.length - 1; i >= 0; i--) {
      if (this.#lower[i] !== lower) continue;
      this.#names.splice(i, 1);
      this.#lower.splice(i, 1);
      this.#values.splice(i, 1);
      removed++;
    }
    return removed;
  }

  /** Replaces the first field called `name` in place (dropping the others), or appends it. */
  set(name: string, value: string): void {
    const lower = lowerCase(name);
    const i = this.#lower.indexOf(lower);
    if (i < 0) {
      this.add(name, value);
      return;
    }
    this.#names[i] = name;
    this.#values[i] = value;
    for (let j = this.#lower.length - 1; j > i; j--) {
      if (this.#lower[j] !== lower) continue;
      this.#names.splice(j, 1);
      this.#lower.splice(j, 1);
      this.#values.splice(j, 1);
    }
  }

  /** The name of field `i` as received. */
  name(i: number): string {
    return this.#names[i];
  }

  /** The lower-case name of field `i`. */
  lowerName(i: number): string {
    return this.#lower[i];
  }

  /** The value of field `i`. */
  value(i: number): string {
    return this.#values[i];
  }

  /** The fields as `[name, value]` pairs, in order. */
  *[Symbol.iterator](): IterableIterator<[string, string]> {
    for (let i = 0; i < this.#names.length; i++) yield [this.#names[i], this.#values[i]];
  }
}

/**
 * `name` in lower case; the same string when it has no upper-case ASCII letter (the usual
 * lookup by a constant), without calling `toLowerCase`.
 */
function lowerCase(name: string): string {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return name.toLowerCase();
  }
  return name;
}

/**
 * The lower-case, trimmed, non-empty elements of every `name` field's comma-separated list
 * (e.g. `Connection: close, Upgrade` → `["close", "upgrade"]`).
 */
export function listTokens(headers: HeaderList, name: string): string[] {
  const out: string[] = [];
  if (!headers.has(name)) return out;
  for (const value of headers.getAll(name)) {
    for (const part of value.split(",")) {
      const t = part.trim().toLowerCase();
      if (t !== "") out.push(t);
    }
  }
  return out;
}

/** Whether `token` (lower case) is an element of any `name` field's comma-separated list. */
export function hasToken(headers: HeaderList, name: string, token: string): boolean {
  return listTokens(headers, name).includes(token);
}
