import type { HeaderList } from "../http/headers.ts";
import { hasLineBreak, isHeaderName } from "./header_rule_syntax.ts";
import type { HeaderRule } from "./types.ts";
import type { VariableSource } from "../http/variables.ts";
import { compileTemplate, type Template } from "./template.ts";

/**
 * Header fields no rule may touch: they frame the message or describe the connection, and
 * the proxy sets them itself. Rules naming them are skipped.
 */
export const PROTECTED_HEADERS: ReadonlySet<string> = new Set([
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "upgrade",
]);

/** The rules of a location split by direction. */
export interface CompiledHeaderRules {
  /** `proxy` rules: set on the upstream request (an empty value removes the field). */
  readonly request: readonly CompiledRule[];
  /** `add` / `set` / `remove` rules on the response, in order. */
  readonly response: readonly CompiledRule[];
  /** Lower-case names the `proxy` rules set. */
  readonly requestNames: ReadonlySet<string>;
}

/** One rule ready to apply. */
export interface CompiledRule {
  /** What the rule does (see {@link HeaderRule}). */
  readonly op: HeaderRule["op"];
  /** The name as written (used when the field is added). */
  readonly name: string;
  /** The name in lower case. */
  readonly lower: string;
  /** The value template. */
  readonly value: Template;
}

/**
 * Why `rule` cannot be used (it names a protected field, its name is not a token or its value
 * has a line break), or null when it is fine. Rules from `parseHeaderRule` pass the last
 * two checks already; rules built in code may not.
 */
export function headerRuleProblem(rule: HeaderRule): string | null {
  if (!isHeaderName(rule.name)) {
    return `${JSON.stringify(rule.name)} is not a valid header name`;
  }
  if (PROTECTED_HEADERS.has(rule.name.toLowerCase())) {
    return `header ${JSON.stringify(rule.name)} is managed by the proxy and cannot be changed`;
  }
  if (hasLineBreak(rule.value)) {
    return `the value of header ${JSON.stringify(rule.name)} contains a line break`;
  }
  return null;
}

/** Compiles rules in order; those {@link headerRuleProblem} refuses are left out. */
export function compileHeaderRules(rules: readonly HeaderRule[]): CompiledHeaderRules {
  const request: CompiledRule[] = [];
  const response: CompiledRule[] = [];
  for (const rule of rules) {
    if (headerRuleProblem(rule) !== null) continue;
    const compiled = {
      op: rule.op,
      name: rule.name,
      lower: rule.name.toLowerCase(),
      value: compileTemplate(utf8AsLatin1(rule.value)),
    };
    (rule.op === "proxy" ? request : response).push(compiled);
  }
  return { request, response, requestNames: new Set(request.map((r) => r.lower)) };
}

/** No rules at all. */
export const NO_RULES: CompiledHeaderRules = compileHeaderRules([]);

/** Applies `proxy` rules to the upstream request's fields. */
export function applyRequestRules(
  headers: HeaderList,
  rules: readonly CompiledRule[],
  src: VariableSource,
): void {
  for (const r of rules) {
    const value = r.value.expand(src);
    if (value === "") headers.delete(r.lower);
    else headers.set(r.name, value);
  }
}

/** Response fields as response rules edit them: a {@link HeaderList}, or web `Headers` via {@link webHeaderFields}. */
export interface ResponseFields {
  /** Removes every field named `lower`. */
  delete(lower: string): unknown;
  /** Adds a field, keeping those of the same name. */
  add(name: string, value: string): void;
  /** Replaces the fields of that name with one. */
  set(name: string, value: string): void;
}

/** A web `Headers` (a `Response`'s, as `Deno.serve` sends it) seen as {@link ResponseFields}. */
export function webHeaderFields(headers: Headers): ResponseFields {
  return {
    delete: (lower) => headers.delete(lower),
    add: (name, value) => headers.append(name, value),
    set: (name, value) => headers.set(name, value),
  };
}

/** Applies `add` / `set` / `remove` rules to response fields. */
export function applyResponseRules(
  headers: ResponseFields,
  rules: readonly CompiledRule[],
  src: VariableSource,
): void {
  for (const r of rules) {
    if (r.op === "remove") headers.delete(r.lower);
    else if (r.op === "add") headers.add(r.name, r.value.expand(src));
    else headers.set(r.name, r.value.expand(src));
  }
}

const utf8 = new TextEncoder();

/**
 * Config text as the bytes of its UTF-8 encoding, one char per byte, the way field values
 * are held (so `"+ x-note 'é'"` goes out as UTF-8).
 */
function utf8AsLatin1(text: string): string {
  // deno-lint-ignore no-control-regex
  if (/^[\x00-\x7f]*$/.test(text)) return text;
  return String.fromCharCode(...utf8.encode(text));
}
