/**
 * wmproxy's limit syntax: sizes (`10m`), rates (`1000r/s`, `4m/s`), `limit_req_zone` specs
 * (`"{client_ip} limit=10m rate=1000r/s"`) and `limit_req` references (`"zone=NAME brust=N"`).
 * Sizes use binary units as wmproxy does: `k` = 1024, `m` = 1024², `g` = 1024³.
 */

const SIZE_UNITS: Readonly<Record<string, number>> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
const PER_UNITS: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/** A parsed `limit_req_zone` spec. */
export interface LimitZoneSyntax {
  /** The key template, e.g. `{client_ip}`. */
  readonly key: string;
  /** Memory bound in bytes (`limit=`). */
  readonly limit: number;
  /** Requests per second (`rate=`). */
  readonly rate: number;
}

/** A parsed `limit_req` reference. */
export interface LimitReqSyntax {
  /** The zone's name. */
  readonly zone: string;
  /** Requests allowed beyond the rate at once (`brust=` or `burst=`). */
  readonly burst: number;
}

/** Parses a size: digits with an optional `k`, `m` or `g` (and an optional `b`); null if invalid. */
export function parseSize(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)b?$/i.exec(text.trim());
  if (!m) return null;
  return Math.floor(Number(m[1]) * SIZE_UNITS[m[2].toLowerCase()]);
}

/**
 * Parses `AMOUNT/PERIOD` into amount per second: the amount is a size (`4m`, `512k`, `100`,
 * or `1000r` for requests), the period a unit (`s`, `m`, `h`, `d`, `ms`) with an optional
 * count (`/10s`). Null when invalid or not positive.
 */
export function parseRate(text: string): number | null {
  const m = /^\s*([^/]+?)\s*\/\s*(\d*(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/i.exec(text);
  if (!m) return null;
  const amount = parseSize(m[1].replace(/r$/i, ""));
  const count = m[2] === "" ? 1 : Number(m[2]);
  const seconds = count * PER_UNITS[m[3].toLowerCase()];
  if (amount === null || amount <= 0 || !(seconds > 0)) return null;
  return amount / seconds;
}

/** Parses a `limit_req_zone` spec; a problem description when it is not one. */
export function parseLimitZone(text: string): LimitZoneSyntax | string {
  const [key, ...options] = text.trim().split(/\s+/);
  if (!key || key.includes("=")) return "has no key template such as {client_ip}";
  let limit = 10 * 1024 ** 2;
  let rate: number | null = null;
  for (const option of options) {
    const [name, value, extra] = option.split("=");
    if (extra !== undefined || value === undefined) return `has an invalid part "${option}"`;
    if (name === "limit") {
      const size = parseSize(value);
      if (size === null || size <= 0) return `has an invalid limit "${value}"`;
      limit = size;
    } else if (name === "rate") {
      rate = parseRate(value);
      if (rate === null) return `has an invalid rate "${value}"`;
    } else return `has an unknown part "${option}"`;
  }
  if (rate === null) return "has no rate";
  return { key, limit, rate };
}

/** Parses a `limit_req` value; a problem description when it is not one. */
export function parseLimitReq(text: string): LimitReqSyntax | string {
  let zone = "";
  let burst = 0;
  for (const option of text.trim().split(/\s+/)) {
    const [name, value, extra] = option.split("=");
    if (extra !== undefined || value === undefined) return `has an invalid part "${option}"`;
    if (name === "zone") zone = value;
    else if (name === "brust" || name === "burst") {
      if (!/^\d+$/.test(value)) return `has an invalid burst "${value}"`;
      burst = Number(value);
    } else return `has an unknown part "${option}"`;
  }
  if (zone === "") return "names no zone";
  return { zone, burst };
}
