import type { HeaderRule, LocationMatcher } from "./types.ts";

/** Splits wmproxy's header and rule strings on whitespace; quotes ('…' or "…") group words. */
export function splitWords(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/([^\s'"]+)|"([^"]*)"|'([^']*)'/g)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Parses a wmproxy header rule: `"proxy NAME VALUE"` (set on the upstream request),
 * `"+ NAME VALUE"` (add to the response), `"- NAME"` (remove from the response),
 * `"NAME VALUE"` (set on the response). wmproxy's `"proxy + NAME VALUE"` and `"? NAME VALUE"`
 * are read as `proxy` and `set`. Returns a problem description when it is not one of these.
 */
export function parseHeaderRule(text: string): HeaderRule | string {
  const w = splitWords(text);
  let rule: HeaderRule | undefined;
  if (w[0] === "proxy" && w.length === 3) rule = { op: "proxy", name: w[1], value: w[2] };
  else if (w[0] === "proxy" && w.length === 4 && /^[+?-]$/.test(w[1])) {
    rule = { op: "proxy", name: w[2], value: w[3] };
  } else if (w[0] === "+" && w.length === 3) rule = { op: "add", name: w[1], value: w[2] };
  else if (w[0] === "-" && w.length === 2) rule = { op: "remove", name: w[1], value: "" };
  else if (w[0] === "?" && w.length === 3) rule = { op: "set", name: w[1], value: w[2] };
  else if (w.length === 2 && !["+", "-", "?", "proxy"].includes(w[0])) {
    rule = { op: "set", name: w[0], value: w[1] };
  }
  if (!rule) return "is not a header rule";
  if (!HEADER_NAME.test(rule.name)) {
    return `has an invalid header name ${JSON.stringify(rule.name)}`;
  }
  if (/[\r\n\0]/.test(rule.value)) return "has a line break in its value";
  return rule;
}

const REGEX_CHARS = /[\^$()[\]+?{}|\\]/;

/**
 * Compiles a location `rule`: `@name` is a named location; a rule with regular-expression
 * syntax (`^ $ ( ) [ ] + ? { } | \`) is a regular expression tested against the path; a rule
 * with `*` is a glob (`*` matches any run of characters, anchored at the start); anything else
 * is a path prefix. Returns a problem description for an invalid regular expression.
 */
export function compileRule(rule: string): LocationMatcher | string {
  if (rule.startsWith("@")) {
    return rule.length > 1 ? { kind: "named", name: rule.slice(1) } : "names no location";
  }
  if (REGEX_CHARS.test(rule)) {
    const source = rule.startsWith("~") ? rule.slice(1).trim() : rule;
    try {
      return { kind: "regex", pattern: new RegExp(source), source: rule };
    } catch {
      return "is not a valid regular expression";
    }
  }
  if (rule.includes("*")) {
    const body = rule.split("*").map((p) => p.replace(/[.]/g, "\\.")).join(".*");
    return { kind: "glob", pattern: new RegExp(`^${body}`), source: rule };
  }
  if (rule === "" || !rule.startsWith("/")) {
    return 'is not a path prefix (it should start with "/")';
  }
  return { kind: "prefix", prefix: rule };
}
