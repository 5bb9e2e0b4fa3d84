/** Just enough Markdown reading for the docs tests: headings, sections, table rows, links. */

/** The repository root. */
export const ROOT = new URL("../../", import.meta.url);

/** A file's text, by path from the repository root. */
export function readDoc(path: string): string {
  return Deno.readTextFileSync(new URL(path, ROOT));
}

/** The lines of `text` outside fenced code blocks, each with its 0-based line number. */
export function proseLines(text: string): [number, string][] {
  const out: [number, string][] = [];
  let fenced = false;
  text.split("\n").forEach((line, i) => {
    if (/^\s*```/.test(line)) fenced = !fenced;
    else if (!fenced) out.push([i, line]);
  });
  return out;
}

/** A heading: its level (1 for `#`) and its text. */
export interface Heading {
  readonly level: number;
  readonly text: string;
  readonly line: number;
}

/** The headings of a Markdown text, in order. */
export function headings(text: string): Heading[] {
  const out: Heading[] = [];
  for (const [line, s] of proseLines(text)) {
    const m = /^(#{1,6})\s+(.*?)\s*$/.exec(s);
    if (m) out.push({ level: m[1].length, text: m[2], line });
  }
  return out;
}

/**
 * The lines under the heading whose text is exactly `heading`, up to the next heading of any
 * level; undefined when there is no such heading.
 */
export function section(text: string, heading: string): string[] | undefined {
  const all = headings(text);
  const i = all.findIndex((h) => h.text === heading);
  if (i < 0) return undefined;
  const end = all[i + 1]?.line ?? Infinity;
  return text.split("\n").slice(all[i].line + 1, end);
}

/** The cells of each table row among `lines` (header and separator rows left out). */
export function tableRows(lines: readonly string[]): string[][] {
  const rows = lines.filter((l) => l.trimStart().startsWith("|"))
    .map((l) => splitRow(l.trim()));
  // A table's first row is its header, the second its |---| separator.
  return rows.filter((cells, i) =>
    !cells.every((c) => /^:?-+:?$/.test(c)) &&
    !(rows[i + 1]?.every((c) => /^:?-+:?$/.test(c)) ?? false)
  );
}

function splitRow(row: string): string[] {
  const cells: string[] = [];
  let cell = "";
  let code = false;
  for (let i = 1; i < row.length; i++) {
    const ch = row[i];
    if (ch === "\\" && row[i + 1] === "|") {
      cell += "|";
      i++;
    } else if (ch === "`") {
      code = !code;
      cell += ch;
    } else if (ch === "|" && !code) {
      cells.push(cell.trim());
      cell = "";
    } else cell += ch;
  }
  return cells;
}

/** The first word of each code span in `cell`: `` `-c`, `--config FILE` `` → `-c`, `--config`. */
export function codeWords(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1].trim().split(/\s+/)[0]);
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
}

/** The anchors of a Markdown text's headings (a repeated heading gets `-1`, `-2`, ...). */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const h of headings(text)) {
    const base = slug(h.text);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** The targets of the inline links outside code (`[text](target)`), with their line numbers. */
export function links(text: string): [number, string][] {
  const out: [number, string][] = [];
  for (const [line, s] of proseLines(text)) {
    const prose = s.replace(/`[^`]*`/g, "``");
    for (const m of prose.matchAll(/\]\(([^)\s]+)\)/g)) out.push([line + 1, m[1]]);
  }
  return out;
}
