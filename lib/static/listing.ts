/** One row of a directory listing. */
export interface ListingEntry {
  /** The file name as on disk. */
  readonly name: string;
  readonly isDirectory: boolean;
  /** Bytes (files only). */
  readonly size: number;
  /** Modification time, or null when unknown. */
  readonly mtime: Date | null;
}

const ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** `text` with `& < > " '` escaped for HTML text and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** A size for people: `512 B`, `1.5 KiB`, `200.0 MiB`. */
export function humanSize(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/**
 * The HTML page listing `entries` of the directory at URL path `urlPath` (decoded, ending in
 * `/`): directories first, then files, each group sorted by name; names escaped, links
 * percent-encoded and relative; a parent link unless `isTop`.
 */
export function renderListing(
  urlPath: string,
  entries: readonly ListingEntry[],
  options: { /** No parent link (the served root). @default false */ readonly isTop?: boolean } =
    {},
): string {
  const isTop = options.isTop ?? false;
  const sorted = [...entries].sort((a, b) =>
    a.isDirectory !== b.isDirectory ? (a.isDirectory ? -1 : 1) : a.name < b.name ? -1 : 1
  );
  const title = escapeHtml(`Index of ${urlPath}`);
  const rows = sorted.map((e) => {
    const href = encodeURIComponent(e.name) + (e.isDirectory ? "/" : "");
    const label = escapeHtml(e.name) + (e.isDirectory ? "/" : "");
    const size = e.isDirectory ? "-" : humanSize(e.size);
    const time = e.mtime ? e.mtime.toISOString().replace("T", " ").slice(0, 19) : "-";
    return `<tr><td><a href="${escapeHtml(href)}">${label}</a></td>` +
      `<td class="size" data-bytes="${e.isDirectory ? "" : e.size}">${size}</td>` +
      `<td class="time">${time}</td></tr>`;
  });
  const parent = isTop ? "" : '<tr><td><a href="../">../</a></td><td></td><td></td></tr>';
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${title}</title>
<style>body{font-family:sans-serif}td{padding:0 1em 0 0;white-space:nowrap}td.size{text-align:right}</style>
</head><body><h1>${title}</h1>
<table><thead><tr><th>Name</th><th>Size</th><th>Modified (UTC)</th></tr></thead><tbody>
${parent}${rows.join("\n")}
</tbody></table></body></html>
`;
}
