/**
 * wmproxy's header rule syntax, parsed in one place: config validation reports a
 * {@link HeaderRuleError} with the key path, and the listener adapters take the rules it
 * returned (config `header_rules`) without parsing the text again.
 */

import type { HeaderRule } from "./types.ts";

/** Why a header rule's text was refused. */
export type HeaderRuleFault = "syntax" | "name" | "value";

/** A header rule's text that is not one of the forms {@link parseHeaderRule} reads. */
export class HeaderRuleError extends Error {
  /** The rule as written. */
  readonly text: string;
  /** What is wrong: the form, the header name, or a line break in the value. */
  readonly fault: HeaderRuleFault;
  /** The problem without the text, for a message that shows the text itself (config errors). */
  readonly problem: string;

  /** Creates an error whose message is the quoted text, then the problem. */
  constructor(text: string, fault: HeaderRuleFault, problem: string) {
    super(`${JSON.stringify(text)} ${problem}`);
    this.name = "HeaderRuleError";
    this.text = text;
    this.fault = fault;
    this.problem = problem;
  }
}

/** Splits a rule on whitespace; quotes ('…' or "…") group words. */
function splitWords(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/([^\s'"]+)|"([^"]*)"|'([^']*)'/g)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const LINE_BREAK = /[\r\n\0]/;

/** Whether `name` is a valid field name (an RFC 9110 token). */
export function isHeaderName(name: string): boolean {
  return HEADER_NAME.test(name);
}

/** Whether `value` holds a CR, LF or NUL, which no field value may. */
export function hasLineBreak(value: string): boolean {
  return LINE_BREAK.test(value);
}

/**
 * Parses a wmproxy header rule: `"proxy NAME VALUE"` (set on the upstream request),
 * `"+ NAME VALUE"` (add to the response), `"- NAME"` (remove from the response),
 * `"NAME VALUE"` (set on the response). wmproxy's `"proxy + NAME VALUE"` and `"? NAME VALUE"`
 * are read as `proxy` and `set`. Words are split on whitespace; quotes group them.
 * @throws {HeaderRuleError} when the text is none of these, the name is not a token, or the
 * value has a line break
 */
export function parseHeaderRule(text: string): HeaderRule {
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
  if (!rule) throw new HeaderRuleError(text, "syntax", "is not a header rule");
  if (!isHeaderName(rule.name)) {
    throw new HeaderRuleError(
      text,
      "name",
      `has an invalid header name ${JSON.stringify(rule.name)}`,
    );
  }
  if (hasLineBreak(rule.value)) {
    throw new HeaderRuleError(text, "value", "has a line break in its value");
  }
  return rule;
}
