/**
 * The Prometheus text exposition format (version 0.0.4) of metric family snapshots.
 * @module
 */
import type { FamilySnapshot } from "./registry.ts";

/** The Content-Type of {@link renderExposition}'s text. */
export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/**
 * The exposition text of `families`: `# HELP` and `# TYPE` lines, then one line per series
 * (a histogram: cumulative `_bucket` lines up to `+Inf`, `_sum`, `_count`). Families without
 * series are left out.
 */
export function renderExposition(families: readonly FamilySnapshot[]): string {
  const lines: string[] = [];
  for (const f of families) {
    if (f.series.length === 0) continue;
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    if (f.type !== "histogram") {
      for (const s of f.series) lines.push(`${f.name}${braces(s.labels)} ${number(s.values[0])}`);
      continue;
    }
    const bounds = f.buckets ?? [];
    for (const s of f.series) {
      const sep = s.labels === "" ? "" : ",";
      let cumulative = 0;
      for (let i = 0; i <= bounds.length; i++) {
        cumulative += s.values[i];
        const le = i < bounds.length ? number(bounds[i]) : "+Inf";
        lines.push(`${f.name}_bucket{${s.labels}${sep}le="${le}"} ${number(cumulative)}`);
      }
      lines.push(`${f.name}_sum${braces(s.labels)} ${number(s.values[bounds.length + 1])}`);
      lines.push(`${f.name}_count${braces(s.labels)} ${number(s.values[bounds.length + 2])}`);
    }
  }
  lines.push("");
  return lines.join("\n");
}

function braces(labels: string): string {
  return labels === "" ? "" : `{${labels}}`;
}

function number(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Infinity) return "+Inf";
  if (n === -Infinity) return "-Inf";
  return String(n);
}

function escapeHelp(help: string): string {
  return help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}
