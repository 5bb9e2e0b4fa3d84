import type { LocationMatcher } from "./types.ts";

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
