/**
 * The Prometheus text exposition format (version 0.0.4) of metric family snapshots.
 * @module
 */
import { type FamilySnapshot, stride } from "./registry.ts";

/** The Content-Type of {@link renderExposition}'s text. */
export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/**
 * The exposition text of `families`: `# HELP` and `# TYPE` lines, then one line per series
 * (a histogram: cumulative `_bucket` lines up to `+Inf`, `_sum`, `_count`). Families without
 * series are left out.
 */
export function renderExposition(families: readonly FamilySnapshot[]): string {
  let out = "";
  for (const f of families) {
    const labels = f.labels;
    const n = labels.length;
    if (n === 0) continue;
    const name = f.name;
    out += `# HELP ${name} ${escapeHelp(f.help)}\n# TYPE ${name} ${f.type}\n`;
    const v = f.values;
    if (f.type !== "histogram") {
      for (let i = 0; i < n; i++) out += `${name}${braces(labels[i])} ${number(v[i])}\n`;
      continue;
    }
    const bounds = f.buckets ?? [];
    const step = stride(f);
    // `le="0.005"} ` and so on, the same for every series.
    const les = bounds.map((b) => `le="${number(b)}"} `);
    les.push('le="+Inf"} ');
    const bucket = `${name}_bucket{`;
    for (let i = 0; i < n; i++) {
      const l = labels[i];
      const head = l === "" ? bucket : `${bucket}${l},`;
      const at = i * step;
      let cumulative = 0;
      for (let j = 0; j <= bounds.length; j++) {
        cumulative += v[at + j];
        out += `${head}${les[j]}${number(cumulative)}\n`;
      }
      const b = braces(l);
      out += `${name}_sum${b} ${number(v[at + bounds.length + 1])}\n`;
      out += `${name}_count${b} ${number(v[at + bounds.length + 2])}\n`;
    }
  }
  return out;
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
