/**
 * How `/status` folds the workers' reports of one spread listener into one: counters each
 * worker keeps are summed, what the workers share is taken from worker 0.
 * @module
 */

/** Counters of each worker, summed: connections, limit hits, upstream requests and failures. */
const SUMMED = new Set(["open", "accepted", "limit_hits", "active_requests", "idle", "failures"]);

type Report = Record<string, unknown>;

/**
 * One listener's reports, worker 0's first, as one: {@link SUMMED} counters are summed at any
 * depth; `up` holds only if it holds in every worker and `at_limit` if in any; `fails` (a
 * worker's current failure streak) is the longest, `down_until` the latest; an `active` health
 * result is worker 0's (it runs the checks, the others copy it); anything else is worker 0's.
 */
export function mergeReports(reports: readonly Report[]): Report {
  const out = structuredClone(reports[0]);
  for (const r of reports.slice(1)) fold(out, r);
  return out;
}

function fold(into: Report, from: Report): void {
  for (const [k, v] of Object.entries(from)) {
    const have = into[k];
    if (!(k in into)) into[k] = structuredClone(v);
    else if (SUMMED.has(k) && typeof v === "number" && typeof have === "number") {
      into[k] = have + v;
    } else if (k === "up" && typeof v === "boolean") into[k] = have === true && v;
    else if (k === "at_limit" && typeof v === "boolean") into[k] = have === true || v;
    else if (k === "fails" && typeof v === "number") into[k] = Math.max(Number(have) || 0, v);
    else if (k === "down_until") into[k] = later(have, v);
    else if (k === "active") continue;
    else if (isReport(v) && isReport(have)) fold(have, v);
  }
}

function later(a: unknown, b: unknown): unknown {
  if (typeof a !== "string") return b;
  if (typeof b !== "string") return a;
  return b > a ? b : a;
}

function isReport(v: unknown): v is Report {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
