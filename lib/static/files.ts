import { ifRangeHolds, notModified, parseRange, preconditionFailed } from "./conditional.ts";
import { FileCache, type FileEntry } from "./file_cache.ts";
import { fileStream } from "./file_body.ts";
import { type ListingEntry, renderListing } from "./listing.ts";
import { contentTypeFor } from "./mime.ts";
import { type ResolvedStaticOptions, resolveStaticOptions, type StaticOptions } from "./options.ts";
import { safePath } from "./safe_path.ts";

/** What {@link StaticFiles.reply} needs of a request. */
export interface StaticRequest {
  /** The method, upper case. */
  readonly method: string;
  /** The path as sent, still percent-encoded, without the query. */
  readonly path: string;
  /** A request header's value (name in lower case), or null. */
  header(name: string): string | null;
}

/** A reply's body: bytes in memory, or a part of a file read when sent. */
export type StaticBody =
  | { readonly kind: "bytes"; readonly bytes: Uint8Array }
  | {
    readonly kind: "file";
    readonly fsPath: string;
    readonly start: number;
    readonly length: number;
    /** The file's size when it was checked. */
    readonly size: number;
  };

/** A reply, ready to be written by any HTTP front. */
export interface StaticReply {
  /** The status code. */
  readonly status: number;
  /** Header fields, Content-Length excluded (see `length`). */
  readonly headers: readonly (readonly [string, string])[];
  /** The body, or null when none is sent (HEAD, 304). */
  readonly body: StaticBody | null;
  /** Content-Length: the body's size (for HEAD, the size GET would send); null for 304. */
  readonly length: number | null;
}

/** An entry a reply depended on, as the cache held it. */
interface Dependency {
  readonly path: string;
  readonly entry: FileEntry;
}

/** A plain 200 for a file in memory, repeated while its dependencies stay as they were. */
interface HotReply {
  readonly entry: FileEntry & { kind: "file" };
  readonly siblings: readonly Dependency[];
  readonly bytes: Uint8Array<ArrayBuffer>;
  /** Built once: what the Response is made with each time. */
  readonly headers: string[][];
}

/** Replies {@link StaticFiles.handle} may answer again from memory. */
const hotSources = new WeakMap<StaticReply, HotReply>();

const encoder = new TextEncoder();
const TEXT = "text/plain; charset=utf-8";
const HTML = "text/html; charset=utf-8";

/**
 * Serves the files below a root directory: index files, listings (`browse`), MIME types,
 * weak ETag / Last-Modified with 304s, single byte ranges (206, 416, `If-Range`), HEAD,
 * precompressed `.br` / `.gz` siblings, `Cache-Control`, CORS, a 404 page and `robots.txt`.
 * Paths that would leave the root (`..`, encoded slashes and backslashes, NUL, symlinks
 * pointing outside) and dotfiles answer as missing. Small files are served from a bounded
 * cache revalidated with `stat` (see {@link FileCacheOptions}); larger ones are streamed.
 *
 * @example
 * ```ts
 * const files = new StaticFiles({ root: "public", browse: true });
 * Deno.serve({ port: 8869 }, (req) => files.handle(req));
 * ```
 */
export class StaticFiles {
  /** The options with defaults filled in. */
  readonly options: ResolvedStaticOptions;
  readonly #cache: FileCache;
  /** Plain replies of small cached files by request path, for {@link handle}'s fast path. */
  readonly #hot = new Map<string, HotReply>();
  #realRoot: Promise<string | null> | null = null;

  /**
   * Creates a file server; nothing is read until the first request.
   * @param options what to serve and how (defaults in {@link StaticOptions})
   */
  constructor(options: StaticOptions) {
    this.options = resolveStaticOptions(options);
    this.#cache = new FileCache(this.options.cache);
  }

  /**
   * Answers a `Request` (for `Deno.serve` and `fetch`-style handlers). A plain GET or HEAD of
   * a small file answered before, still fresh in the cache, is answered at once from memory
   * with the header list built then; everything else goes through {@link reply}.
   */
  handle(req: Request): Response | Promise<Response> {
    const path = requestPath(req.url);
    const method = req.method;
    if (method === "GET" || method === "HEAD") {
      const hot = this.#hot.get(path);
      if (hot !== undefined && this.#fresh(hot)) {
        const h = req.headers;
        if (
          h.get("range") === null && h.get("if-none-match") === null &&
          h.get("if-modified-since") === null && h.get("if-match") === null &&
          h.get("if-unmodified-since") === null
        ) {
          return new Response(method === "HEAD" ? null : hot.bytes, { headers: hot.headers });
        }
      }
    }
    return this.#handleSlow(req, method, path);
  }

  async #handleSlow(req: Request, method: string, path: string): Promise<Response> {
    const headers = req.headers;
    const reply = await this.reply({ method, path, header: (name) => headers.get(name) });
    const hot = hotSources.get(reply);
    if (hot !== undefined) this.#remember(path, hot);
    const b = reply.body;
    if (b === null || b.kind === "bytes" || b.start !== 0 || b.length !== b.size) {
      return toResponse(reply);
    }
    // A whole file: Deno sends the file's own stream without copying it through JavaScript.
    // It is opened now, so a file gone since its stat is a miss rather than a broken body.
    let file: Deno.FsFile;
    try {
      file = await Deno.open(b.fsPath, { read: true });
    } catch {
      return toResponse(await this.notFound({ method, path, header: () => null }));
    }
    const h = new Headers(reply.headers as [string, string][]);
    h.set("Content-Length", String(reply.length));
    return new Response(file.readable, { status: reply.status, headers: h });
  }

  #fresh(hot: HotReply): boolean {
    if (this.#cache.peek(hot.entry.fsPath) !== hot.entry) return false;
    for (const s of hot.siblings) if (this.#cache.peek(s.path) !== s.entry) return false;
    return true;
  }

  #remember(path: string, hot: HotReply): void {
    if (this.options.cache.entries === 0) return;
    if (this.#hot.size >= this.options.cache.entries) {
      this.#hot.delete(this.#hot.keys().next().value!);
    }
    this.#hot.set(path, hot);
  }

  /** Answers a request: always a reply, the not-found one when nothing is at its path. */
  async reply(req: StaticRequest): Promise<StaticReply> {
    if (req.method !== "GET" && req.method !== "HEAD") {
      return text(req, 405, "405 Method Not Allowed\n", [["Allow", "GET, HEAD"]]);
    }
    const o = this.options;
    if (o.robots !== null && req.path === "/robots.txt") {
      return text(req, 200, o.robots, this.#common([]));
    }
    return await this.find(req, req.path) ?? await this.notFound(req);
  }

  /**
   * The reply for what is at `path` (a file, an index file, a listing or a redirect to the
   * directory's `/` form), or null when nothing may be served there; `try_paths` tries
   * candidates with it.
   */
  async find(req: StaticRequest, path: string): Promise<StaticReply | null> {
    const o = this.options;
    const safe = safePath(path, o.prefix);
    if (safe === null) return null;
    const rel = safe.segments.join("/");
    if (o.hide.length > 0 && o.hide.some((h) => rel.includes(h))) return null;
    const fsPath = rel === "" ? o.root : `${o.root}/${rel}`;
    const entry = await this.#entry(fsPath);
    if (entry.kind === "missing") return null;
    if (entry.kind === "file") return safe.slash ? null : this.#file(req, entry, rel, []);
    if (!safe.slash) {
      return text(req, 301, "301 Moved Permanently\n", [["Location", `${path}/`]]);
    }
    // What the choice of index file depended on: the directory, and the names missing.
    const deps: Dependency[] = [{ path: fsPath, entry }];
    for (const name of o.index) {
      const indexPath = `${fsPath}/${name}`;
      const index = await this.#entry(indexPath);
      if (index.kind === "file") return this.#file(req, index, name, deps);
      deps.push({ path: indexPath, entry: index });
    }
    if (!o.browse) return null;
    return await this.#listing(req, entry.fsPath, safe.segments);
  }

  /** The reply when nothing is found: the `path404` page or a short text, with `status`. */
  async notFound(req: StaticRequest): Promise<StaticReply> {
    const o = this.options;
    if (o.path404 !== null && o.status === 404) {
      const page = await this.#cache.get(o.path404, "/");
      if (page.kind === "file") {
        const type = contentTypeFor(o.path404, { overrides: o.extMimetype, fallback: TEXT });
        const reply = this.#body(req, page, type, []);
        return { ...reply, status: 404 };
      }
    }
    return text(req, o.status, `${o.status} Not Found\n`, []);
  }

  #entry(fsPath: string): FileEntry | Promise<FileEntry> {
    const hit = this.#cache.peek(fsPath);
    if (hit !== undefined) return hit;
    return this.#realRootPath().then((root) =>
      root === null ? { kind: "missing" } : this.#cache.get(fsPath, root)
    );
  }

  #realRootPath(): Promise<string | null> {
    this.#realRoot ??= Deno.realPath(this.options.root).catch(() => null);
    return this.#realRoot.then((r) => {
      if (r === null) this.#realRoot = null; // the root may appear later
      return r;
    });
  }

  #common(headers: [string, string][]): [string, string][] {
    const o = this.options;
    if (o.cacheTime !== null) headers.push(["Cache-Control", `max-age=${o.cacheTime}`]);
    if (o.cors) {
      headers.push(["Access-Control-Allow-Origin", "*"]);
      headers.push([
        "Access-Control-Allow-Headers",
        "Origin, X-Requested-With, Content-Type, Accept, Range",
      ]);
    }
    return headers;
  }

  async #file(
    req: StaticRequest,
    entry: FileEntry & { kind: "file" },
    name: string,
    deps: Dependency[],
  ): Promise<StaticReply> {
    const o = this.options;
    const headers: [string, string][] = [];
    let chosen = entry;
    if (o.precompressed.length > 0) {
      headers.push(["Vary", "Accept-Encoding"]);
      const accept = req.header("accept-encoding");
      if (accept !== null) {
        for (const enc of o.precompressed) {
          if (!accepts(accept, enc)) continue;
          const sibling = await this.#entry(`${entry.fsPath}.${enc === "gzip" ? "gz" : enc}`);
          if (sibling.kind !== "file") continue;
          chosen = sibling;
          headers.push(["Content-Encoding", enc]);
          break;
        }
      }
    }
    const type = contentTypeFor(name, { overrides: o.extMimetype, fallback: o.defaultMimetype });
    const reply = this.#body(req, chosen, type, headers);
    if (reply.status === 200 && chosen === entry && entry.bytes !== null) {
      // A plain answer from memory: handle() may repeat it while nothing it depended on
      // changed, i.e. the file, the index names before it and every precompressed sibling.
      for (const enc of o.precompressed) {
        const path = `${entry.fsPath}.${enc === "gzip" ? "gz" : enc}`;
        const sibling = await this.#entry(path);
        if (sibling.kind === "file") return reply;
        deps.push({ path, entry: sibling });
      }
      hotSources.set(reply, {
        entry,
        siblings: deps,
        bytes: entry.bytes as Uint8Array<ArrayBuffer>,
        headers: [...reply.headers.map(([k, v]) => [k, v]), ["Content-Length", String(entry.size)]],
      });
    }
    return reply;
  }

  #body(
    req: StaticRequest,
    entry: FileEntry & { kind: "file" },
    type: string,
    headers: [string, string][],
  ): StaticReply {
    headers.push(["Content-Type", type], ["ETag", entry.etag], ["Accept-Ranges", "bytes"]);
    if (entry.lastModified !== "") headers.push(["Last-Modified", entry.lastModified]);
    this.#common(headers);
    const preconditions = {
      ifMatch: req.header("if-match"),
      ifUnmodifiedSince: req.header("if-unmodified-since"),
    };
    if (preconditionFailed(preconditions, entry)) {
      return text(req, 412, "412 Precondition Failed\n", this.#common([]));
    }
    const validators = {
      ifNoneMatch: req.header("if-none-match"),
      ifModifiedSince: req.header("if-modified-since"),
    };
    if (notModified(validators, entry)) {
      return { status: 304, headers, body: null, length: null };
    }
    let start = 0;
    let length = entry.size;
    let status = 200;
    const range = req.header("range");
    if (range !== null && ifRangeHolds(req.header("if-range"), entry.lastModified)) {
      const r = parseRange(range, entry.size);
      if (r === "unsatisfiable") {
        const h = this.#common([["Content-Range", `bytes */${entry.size}`]]);
        return text(req, 416, "416 Range Not Satisfiable\n", h);
      }
      if (r !== null) {
        status = 206;
        start = r.start;
        length = r.end - r.start + 1;
        headers.push(["Content-Range", `bytes ${r.start}-${r.end}/${entry.size}`]);
      }
    }
    if (req.method === "HEAD") return { status, headers, body: null, length };
    const body: StaticBody = entry.bytes !== null
      ? { kind: "bytes", bytes: entry.bytes.subarray(start, start + length) }
      : { kind: "file", fsPath: entry.readPath, start, length, size: entry.size };
    return { status, headers, body, length };
  }

  async #listing(req: StaticRequest, dir: string, segments: readonly string[]) {
    const o = this.options;
    const root = await this.#realRootPath();
    const entries: ListingEntry[] = [];
    for await (const d of Deno.readDir(dir)) {
      if (d.name.startsWith(".")) continue;
      const rel = [...segments, d.name].join("/");
      if (o.hide.some((h) => rel.includes(h))) continue;
      const e = await this.#entry(`${dir}/${d.name}`);
      if (e.kind === "missing" || root === null) continue; // outward symlinks are left out
      let info: Deno.FileInfo | null = null;
      try {
        info = await Deno.stat(`${dir}/${d.name}`);
      } catch {
        continue;
      }
      entries.push({
        name: d.name,
        isDirectory: e.kind === "dir",
        size: info.size,
        mtime: info.mtime,
      });
    }
    const urlPath = `${o.prefix}/${segments.map((s) => `${s}/`).join("")}`;
    const html = renderListing(urlPath, entries, { isTop: segments.length === 0 });
    return text(req, 200, html, this.#common([]), HTML);
  }
}

function text(
  req: StaticRequest,
  status: number,
  body: string,
  headers: [string, string][],
  type = TEXT,
): StaticReply {
  const bytes = encoder.encode(body);
  headers.push(["Content-Type", type]);
  const head = req.method === "HEAD";
  return {
    status,
    headers,
    body: head ? null : { kind: "bytes", bytes },
    length: bytes.length,
  };
}

/** Whether Accept-Encoding `header` accepts `coding` (named, or `*`, with q > 0). */
function accepts(header: string, coding: string): boolean {
  for (const part of header.split(",")) {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    if (name.trim() !== coding && name.trim() !== "*") continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

/** A reply as a `Response`; file bodies are streamed. */
export function toResponse(reply: StaticReply): Response {
  const headers = new Headers(reply.headers as [string, string][]);
  if (reply.length !== null) headers.set("Content-Length", String(reply.length));
  const b = reply.body;
  const body = b === null
    ? null
    : b.kind === "bytes"
    ? b.bytes as Uint8Array<ArrayBuffer>
    : fileStream(b.fsPath, { start: b.start, length: b.length });
  return new Response(body, { status: reply.status, headers });
}

/** The path of a `Request`'s URL as sent (still percent-encoded), without the query. */
function requestPath(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  const q = url.indexOf("?", start);
  return q < 0 ? url.slice(start) : url.slice(start, q);
}
