import mime from "mime";

const TEXT_LIKE = /^(text\/|application\/(json|javascript|xml|manifest\+json)|image\/svg\+xml)/;

/** Options of {@link contentTypeFor}. */
export interface ContentTypeOptions {
  /** Content types by lower-case extension, consulted before npm:mime. @default {} */
  readonly overrides?: Readonly<Record<string, string>>;
  /** The type of names whose extension nobody knows. @default "application/octet-stream" */
  readonly fallback?: string;
}

const NO_OVERRIDES: Readonly<Record<string, string>> = {};

/**
 * The Content-Type of `name`: `overrides` by extension first, then npm:mime, else `fallback`;
 * text types get `; charset=utf-8`.
 */
export function contentTypeFor(name: string, options: ContentTypeOptions = {}): string {
  const overrides = options.overrides ?? NO_OVERRIDES;
  const fallback = options.fallback ?? "application/octet-stream";
  const dot = name.lastIndexOf(".");
  const ext = dot < 0 || name.indexOf("/", dot) >= 0 ? "" : name.slice(dot + 1).toLowerCase();
  let byExt = memo.get(overrides);
  if (byExt === undefined) memo.set(overrides, byExt = new Map());
  const key = `${ext}\0${fallback}`;
  let type = byExt.get(key);
  if (type === undefined) {
    type = (ext && (overrides[ext] ?? mime.getType(ext))) || fallback;
    if (TEXT_LIKE.test(type) && !type.includes("charset")) type = `${type}; charset=utf-8`;
    if (byExt.size < 4096) byExt.set(key, type);
  }
  return type;
}

// Answers by extension, per overrides table: a lookup per request instead of mime's parsing.
const memo = new WeakMap<object, Map<string, string>>();
