/**
 * Rendering result rows as a markdown table.
 * @module
 */

import type { Row } from "./types.ts";

const HEADER = ["work", "peer", "peer value", "ours", "ratio"];

/**
 * Renders rows as `work | peer | peer value | ours | ratio`, followed by numbered notes.
 * A missing value reads `n/a`; its reason is in the notes.
 * @param rows the rows of one case
 * @returns markdown text ending in a newline
 */
export function renderTable(rows: readonly Row[]): string {
  const notes: string[] = [];
  const body = rows.map((row) => {
    // Equal notes on several rows (one side failed to start) share one number.
    const marks = row.notes.map((note) => {
      if (!notes.includes(note)) notes.push(note);
      return `[${notes.indexOf(note) + 1}]`;
    });
    const work = marks.length === 0 ? row.work : `${row.work} ${marks.join("")}`;
    return [
      work,
      row.peer,
      formatValue(row.peerValue),
      formatValue(row.ours),
      row.ratio === null ? "n/a" : `${row.ratio.toFixed(2)}×`,
    ];
  });
  const lines = [HEADER, HEADER.map(() => "---"), ...body].map((cells) =>
    `| ${cells.map(escapeCell).join(" | ")} |`
  );
  const noteLines = notes.map((note, i) => `[${i + 1}] ${note}`);
  return [...lines, ...(noteLines.length > 0 ? ["", ...noteLines] : [])].join("\n") + "\n";
}

/**
 * Formats a measured value with about three significant digits (more for large numbers).
 * @param value the value, or null
 * @returns its text, or `n/a`
 */
export function formatValue(value: number | null): string {
  if (value === null) return "n/a";
  const magnitude = Math.abs(value);
  const digits = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3;
  return value.toFixed(digits);
}

function escapeCell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}
