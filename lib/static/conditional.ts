/** A byte range of a representation, both ends inclusive. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * Whether a request with these validators may be answered 304 (RFC 9110 §13.1.2, §13.1.3):
 * `If-None-Match` (weak comparison, `*` matches) wins over `If-Modified-Since`, which matches
 * when the file is not newer than the date (to the second).
 */
export function notModified(
  validators: { readonly ifNoneMatch: string | null; readonly ifModifiedSince: string | null },
  entry: { readonly etag: string; readonly mtimeMs: number },
): boolean {
  const { ifNoneMatch, ifModifiedSince } = validators;
  if (ifNoneMatch !== null) {
    const tag = opaque(entry.etag);
    return ifNoneMatch.split(",").some((t) => {
      const v = t.trim();
      return v === "*" || opaque(v) === tag;
    });
  }
  if (ifModifiedSince !== null && entry.mtimeMs > 0) {
    const since = Date.parse(ifModifiedSince);
    return !Number.isNaN(since) && Math.floor(entry.mtimeMs / 1000) * 1000 <= since;
  }
  return false;
}

/**
 * Whether a request's preconditions fail, for a 412 (RFC 9110 §13.1.1, §13.1.4, §13.2.2):
 * `If-Match` needs a strong match (`*` matches any current file; ours are weak tags, so a
 * listed tag never matches); without it, `If-Unmodified-Since` fails when the file changed
 * after the date. An unparsable date is ignored.
 */
export function preconditionFailed(
  validators: { readonly ifMatch: string | null; readonly ifUnmodifiedSince: string | null },
  entry: { readonly etag: string; readonly mtimeMs: number },
): boolean {
  const { ifMatch, ifUnmodifiedSince } = validators;
  if (ifMatch !== null) {
    return !ifMatch.split(",").some((t) => {
      const v = t.trim();
      return v === "*" || (!v.startsWith("W/") && !entry.etag.startsWith("W/") && v === entry.etag);
    });
  }
  if (ifUnmodifiedSince !== null && entry.mtimeMs > 0) {
    const since = Date.parse(ifUnmodifiedSince);
    return !Number.isNaN(since) && Math.floor(entry.mtimeMs / 1000) * 1000 > since;
  }
  return false;
}

function opaque(tag: string): string {
  return tag.startsWith("W/") ? tag.slice(2) : tag;
}

/**
 * Whether `If-Range` lets a Range apply (RFC 9110 §13.1.5): an absent header does; a date
 * must equal Last-Modified exactly; an entity tag never does, since ours are weak.
 */
export function ifRangeHolds(ifRange: string | null, lastModified: string): boolean {
  if (ifRange === null) return true;
  const v = ifRange.trim();
  if (v.startsWith('"') || v.startsWith("W/")) return false;
  return lastModified !== "" && Date.parse(v) === Date.parse(lastModified);
}

/**
 * Parses a `Range` header against a representation of `size` bytes (RFC 9110 §14.2):
 * a range, `"unsatisfiable"` (416), or null to ignore the header (not `bytes=`, malformed,
 * or several ranges: the whole representation is sent instead).
 */
export function parseRange(header: string, size: number): ByteRange | "unsatisfiable" | null {
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (m === null) return null;
  const [, a, b] = m;
  if (a === "" && b === "") return null;
  if (a === "") {
    const n = Number(b);
    if (n === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(a);
  const end = b === "" ? size - 1 : Math.min(Number(b), size - 1);
  if (b !== "" && Number(b) < start) return null;
  if (start >= size) return "unsatisfiable";
  return { start, end };
}
