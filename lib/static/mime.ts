import mime from "mime";

const TEXT_LIKE = /^(text\/|application\/(json|javascript|xml|manifest\+json)|image\/svg\+xml)/;

/**
 * The Content-Type of `name`: `overrides` by extension first, then npm:mime, else `fallback`;
 * text types get `; charset=utf-8`.
 */
export function contentTypeFor(
  name: string,
  overrides: Readonly<Record<string, string>>,
  fallback: string,
): string {
  const dot = name.lastIndexOf(".");
  const ext = dot < 0 || name.indexOf("/", dot) >= 0 ? "" : name.slice(dot + 1).toLowerCase();
  const type = (ext && (overrides[ext] ?? mime.getType(ext))) || fallback;
  return TEXT_LIKE.test(type) && !type.includes("charset") ? `${type}; charset=utf-8` : type;
}
