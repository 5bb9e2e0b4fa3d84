import type { VariableSource } from "../http/variables.ts";
import { compileTemplate, type Template } from "./template.ts";

/** One `try_paths` candidate: a path template, or a regular-expression rewrite of one. */
export type TryCandidate =
  | { readonly kind: "template"; readonly template: Template }
  | {
    readonly kind: "regex";
    readonly pattern: RegExp;
    readonly input: Template;
    readonly replacement: string;
  };

/** A parsed `try_paths`: candidates in order and the status when none exists. */
export interface TryPaths {
  readonly candidates: readonly TryCandidate[];
  /** @default 404 */
  readonly failStatus: number;
}

/**
 * Parses wmproxy's `try_paths`: words separated by spaces, quoted (`'...'` or `"..."`) to
 * hold spaces. A word `{path}/` is a path template (variables as in header rules); a quoted
 * `'REGEX INPUT REPLACEMENT'` expands INPUT and replaces every match of REGEX with
 * REPLACEMENT (`$1` for groups); `=404` sets the status answered when no candidate exists.
 * Returns a message when the text is not valid.
 */
export function parseTryPaths(text: string): TryPaths | string {
  const words = splitQuoted(text);
  if (words === null) return "has an unclosed quote";
  const candidates: TryCandidate[] = [];
  let failStatus = 404;
  for (const word of words) {
    if (word.startsWith("=")) {
      const code = Number(word.slice(1));
      if (!Number.isInteger(code) || code < 100 || code > 599) {
        return `has ${JSON.stringify(word)}, not a status like "=404"`;
      }
      failStatus = code;
      continue;
    }
    const parts = word.trim().split(/\s+/);
    if (parts.length === 1) {
      candidates.push({ kind: "template", template: compileTemplate(parts[0]) });
      continue;
    }
    if (parts.length < 3) {
      return `has ${JSON.stringify(word)}, expected 'REGEX INPUT REPLACEMENT'`;
    }
    let pattern: RegExp;
    try {
      pattern = new RegExp(parts[0], "g");
    } catch {
      return `has ${JSON.stringify(parts[0])}, not a valid regular expression`;
    }
    candidates.push({
      kind: "regex",
      pattern,
      input: compileTemplate(parts[1]),
      replacement: parts.slice(2).join(" "),
    });
  }
  if (candidates.length === 0) return "has no candidate path";
  return { candidates, failStatus };
}

/** The path `candidate` gives for a request. */
export function expandCandidate(candidate: TryCandidate, src: VariableSource): string {
  if (candidate.kind === "template") return candidate.template.expand(src);
  candidate.pattern.lastIndex = 0;
  return candidate.input.expand(src).replace(candidate.pattern, candidate.replacement);
}

function splitQuoted(text: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) return null;
      out.push(text.slice(i + 1, end));
      i = end + 1;
      continue;
    }
    let end = i;
    while (end < text.length && !/\s/.test(text[end])) end++;
    out.push(text.slice(i, end));
    i = end;
  }
  return out;
}
