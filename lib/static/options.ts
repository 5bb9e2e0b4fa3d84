/** How a {@link StaticFiles} serves a directory; every field but `root` is optional. */
export interface StaticOptions {
  /** The directory served (relative paths are taken from the working directory). */
  readonly root: string;
  /** A path prefix stripped from request paths before they are looked up. @default "" */
  readonly prefix?: string;
  /** File names tried, in order, when a directory is asked for. @default ["index.html", "index.htm"] */
  readonly index?: readonly string[];
  /** List a directory that has no index file. @default false */
  readonly browse?: boolean;
  /** Content types by file extension (without the dot); win over npm:mime. @default {} */
  readonly extMimetype?: Readonly<Record<string, string>>;
  /** The content type of files whose extension is unknown. @default "application/octet-stream" */
  readonly defaultMimetype?: string;
  /** `Cache-Control: max-age` in seconds; null sends none. @default null */
  readonly cacheTime?: number | null;
  /** Send `Access-Control-Allow-Origin: *`. @default false */
  readonly cors?: boolean;
  /** A file sent (with status 404) when nothing is found; null sends a short text. @default null */
  readonly path404?: string | null;
  /** The body of `/robots.txt` (as `text/plain`); null serves the file if there is one. @default null */
  readonly robots?: string | null;
  /** Substrings: a path containing one is answered 404 and left out of listings. @default [] */
  readonly hide?: readonly string[];
  /** Status when nothing is found. @default 404 */
  readonly status?: number;
  /**
   * Precompressed siblings looked for, in order of preference: `"br"` (`FILE.br`) and
   * `"gzip"` (`FILE.gz`), chosen by the request's Accept-Encoding.
   * @default ["br", "gzip"]
   */
  readonly precompressed?: readonly string[];
  /** The open-file cache (see {@link FileCacheOptions}). */
  readonly cache?: FileCacheOptions;
}

/**
 * A bounded cache of file metadata and small files' bytes, as nginx's `open_file_cache`:
 * an entry is re-checked with `stat` once it is older than `validMs`, so a changed file is
 * never served stale for longer than that.
 */
export interface FileCacheOptions {
  /** Entries kept at most (files, misses and directories); 0 turns the cache off. @default 1024 */
  readonly entries?: number;
  /** Files up to this size keep their bytes in memory. @default 1048576 (1 MiB) */
  readonly maxFileSize?: number;
  /** Bytes of file content kept at most, over all entries. @default 33554432 (32 MiB) */
  readonly maxBytes?: number;
  /** Milliseconds an entry is trusted before it is checked again. @default 1000 */
  readonly validMs?: number;
}

/** {@link StaticOptions} with every default filled in. */
export type ResolvedStaticOptions =
  & Required<Omit<StaticOptions, "cache">>
  & { readonly cache: Required<FileCacheOptions> };

/** The defaults of {@link FileCacheOptions}. */
export const FILE_CACHE_DEFAULTS: Required<FileCacheOptions> = Object.freeze({
  entries: 1024,
  maxFileSize: 1024 * 1024,
  maxBytes: 32 * 1024 * 1024,
  validMs: 1000,
});

/** Fills in the defaults; the prefix loses a trailing `/`. */
export function resolveStaticOptions(o: StaticOptions): ResolvedStaticOptions {
  return {
    root: o.root === "" ? "." : o.root,
    prefix: (o.prefix ?? "").replace(/\/+$/, ""),
    index: o.index ?? ["index.html", "index.htm"],
    browse: o.browse ?? false,
    extMimetype: o.extMimetype ?? {},
    defaultMimetype: o.defaultMimetype ?? "application/octet-stream",
    cacheTime: o.cacheTime ?? null,
    cors: o.cors ?? false,
    path404: o.path404 ?? null,
    robots: o.robots ?? null,
    hide: o.hide ?? [],
    status: o.status ?? 404,
    precompressed: o.precompressed ?? ["br", "gzip"],
    cache: { ...FILE_CACHE_DEFAULTS, ...o.cache },
  };
}
