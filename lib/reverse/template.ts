/**
 * Value templates of header rules, `static_response`, `hostHeader` and hash keys:
 * text with `{name}` variables (see lib/http/variables.ts), compiled once so a request only
 * concatenates.
 *
 * A `{word}` that names no variable stays as written.
 */

import {
  TEMPLATE_VARIABLES,
  VAR_HTTP_HEADER,
  VAR_UPSTREAM_ADDR,
  type VariableSource,
} from "../http/variables.ts";

const VAR_RE = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const HTTP_PREFIX = "http_";

/** A compiled template. */
export class Template {
  /** The template as written. */
  readonly source: string;
  /** The whole value when the template has no variables, else null. */
  readonly constant: string | null;
  /** Whether `{upstream_addr}` occurs (its value changes when another server is tried). */
  readonly usesUpstream: boolean;
  // Literal text at even indexes, variable codes at odd ones; args parallel to codes.
  readonly #parts: readonly (string | number)[];
  readonly #args: readonly string[];

  /** Compiles `source`; use {@link compileTemplate}, which caches. */
  constructor(source: string) {
    this.source = source;
    const parts: (string | number)[] = [];
    const args: string[] = [];
    let last = 0;
    let text = "";
    for (const m of source.matchAll(VAR_RE)) {
      const ref = variableRef(m[1]);
      if (!ref) continue;
      text += source.slice(last, m.index);
      parts.push(text, ref.code);
      args.push(ref.arg);
      text = "";
      last = m.index + m[0].length;
    }
    parts.push(text + source.slice(last));
    this.#parts = parts;
    this.#args = args;
    this.constant = parts.length === 1 ? parts[0] as string : null;
    this.usesUpstream = parts.some((p, i) => i % 2 === 1 && p === VAR_UPSTREAM_ADDR);
  }

  /** The value for one request. */
  expand(src: VariableSource): string {
    if (this.constant !== null) return this.constant;
    const parts = this.#parts;
    let out = parts[0] as string;
    for (let i = 1; i < parts.length; i += 2) {
      out += src.variable(parts[i] as number, this.#args[i >> 1]) + (parts[i + 1] as string);
    }
    return out;
  }
}

const cache = new Map<string, Template>();

/** The compiled template for `source` (compiled once per distinct text). */
export function compileTemplate(source: string): Template {
  let t = cache.get(source);
  if (!t) {
    t = new Template(source);
    if (cache.size > 10_000) cache.clear();
    cache.set(source, t);
  }
  return t;
}

/**
 * The `{word}`s in `source` that name no variable, for config validation (they would stay as
 * written).
 */
export function unknownVariables(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(VAR_RE)) if (!variableRef(m[1])) out.push(m[1]);
  return out;
}

function variableRef(name: string): { code: number; arg: string } | undefined {
  const code = TEMPLATE_VARIABLES.get(name);
  if (code !== undefined) return { code, arg: "" };
  if (name.startsWith(HTTP_PREFIX) && name.length > HTTP_PREFIX.length) {
    return {
      code: VAR_HTTP_HEADER,
      arg: name.slice(HTTP_PREFIX.length).replaceAll("_", "-").toLowerCase(),
    };
  }
  return undefined;
}
