import type { PortRange } from "./schema.ts";

const ITEM = /^(\d{1,5})(?:-(\d{1,5}))?$/;

/**
 * Parses a port list: a string such as `"6000-7000, 8022"` (commas or spaces between items,
 * spaces allowed around the dash) or an array of such strings and whole numbers. Ports are
 * 1..65535 and a range's low end is not above its high end. Returns the ranges in the order
 * written, or the items that are not valid.
 */
export function parsePortRanges(value: unknown): PortRange[] | { invalid: string[] } {
  const items = portItems(value);
  if (items === undefined) return { invalid: [String(value)] };
  const ranges: PortRange[] = [];
  const invalid: string[] = [];
  for (const item of items) {
    const m = ITEM.exec(item);
    const low = m ? Number(m[1]) : NaN;
    const high = m?.[2] === undefined ? low : Number(m[2]);
    if (low >= 1 && high <= 65535 && low <= high) ranges.push({ low, high });
    else invalid.push(item);
  }
  return invalid.length > 0 ? { invalid } : ranges;
}

/** Whether `port` is inside one of `ranges`. */
export function portAllowed(ranges: readonly PortRange[], port: number): boolean {
  return ranges.some((r) => port >= r.low && port <= r.high);
}

function portItems(value: unknown): string[] | undefined {
  const split = (s: string) => s.replace(/\s*-\s*/g, "-").split(/[\s,]+/).filter((x) => x !== "");
  if (typeof value === "string") return split(value);
  if (typeof value === "number") return [String(value)];
  if (!Array.isArray(value)) return undefined;
  const out: string[] = [];
  for (const v of value) {
    if (typeof v === "string") out.push(...split(v));
    else if (typeof v === "number") out.push(String(v));
    else return undefined;
  }
  return out;
}
