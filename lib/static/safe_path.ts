/** A request path reduced to the segments of a file below the root. */
export interface SafePath {
  /** Decoded segments, none empty, `.`, `..`, hidden or containing `/`, `\` or NUL. */
  readonly segments: readonly string[];
  /** The request path ended with `/` (a directory was asked for). */
  readonly slash: boolean;
}

/**
 * Maps a raw (percent-encoded) request path to segments below the served root, or null when
 * it must not be served: outside `prefix`, a bad escape, an encoded `/` (`%2f`) or `\`
 * (`%5c`), a backslash, a NUL byte, a `..` segment (raw or encoded), or a segment starting
 * with a dot (dotfiles are never served). Nothing is resolved against the file system here:
 * symlinks are checked by the caller.
 */
export function safePath(raw: string, prefix = ""): SafePath | null {
  let path = raw;
  if (prefix !== "") {
    if (!path.startsWith(prefix)) return null;
    path = path.slice(prefix.length);
    if (path !== "" && path[0] !== "/") return null; // "/rootx" is not under "/root"
  }
  if (/%(2f|5c|00)|[\\\0]/i.test(path)) return null;
  const segments: string[] = [];
  const parts = path.split("/");
  for (const part of parts) {
    if (part === "" || part === ".") continue;
    let seg: string;
    try {
      seg = part.includes("%") ? decodeURIComponent(part) : part;
    } catch {
      return null;
    }
    if (seg[0] === "." || seg.includes("/") || seg.includes("\\") || seg.includes("\0")) {
      return null;
    }
    segments.push(seg);
  }
  return { segments, slash: path.endsWith("/") };
}
