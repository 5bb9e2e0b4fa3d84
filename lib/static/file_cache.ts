import type { FileCacheOptions } from "./options.ts";

/** What the cache knows about one path. */
export type FileEntry =
  | {
    readonly kind: "file";
    /** The path asked for (siblings such as `.br` are looked up next to it). */
    readonly fsPath: string;
    /** Its real path (symlinks resolved, checked to be inside the root): what is opened. */
    readonly readPath: string;
    readonly size: number;
    /** Modification time, ms since the epoch (0 when unknown). */
    readonly mtimeMs: number;
    /** Weak ETag, `W/"mtime-size"` in hex. */
    readonly etag: string;
    /** `Last-Modified` (HTTP date), "" when the time is unknown. */
    readonly lastModified: string;
    /** The whole content when the file is small enough to cache, else null (streamed). */
    readonly bytes: Uint8Array | null;
    readonly ino: number | null;
  }
  | { readonly kind: "dir"; readonly fsPath: string }
  | { readonly kind: "missing" };

interface Slot {
  entry: FileEntry;
  checked: number;
}

const MISSING: FileEntry = Object.freeze({ kind: "missing" });

/**
 * A bounded cache of what `stat` (and, for small files, a read) found at a path, revalidated
 * with `stat` once an entry is older than `validMs`; paths whose real location (symlinks
 * resolved) is outside `realRoot` are reported missing. Without a cache (`entries = 0`)
 * every lookup goes to the file system.
 */
export class FileCache {
  readonly #slots = new Map<string, Slot>();
  /** Checks under way: concurrent requests for one expired path share one. */
  readonly #pending = new Map<string, Promise<FileEntry>>();
  readonly #entries: number;
  readonly #maxFileSize: number;
  readonly #maxBytes: number;
  readonly #validMs: number;
  #bytes = 0;

  /**
   * @param options sizes and revalidation period (defaults in {@link FileCacheOptions})
   */
  constructor(options: Required<FileCacheOptions>) {
    this.#entries = options.entries;
    this.#maxFileSize = options.entries > 0 ? options.maxFileSize : 0;
    this.#maxBytes = options.maxBytes;
    this.#validMs = options.validMs;
  }

  /** The entry for `fsPath` when a fresh one is cached, without touching the file system. */
  peek(fsPath: string): FileEntry | undefined {
    const slot = this.#slots.get(fsPath);
    if (slot === undefined || Date.now() - slot.checked >= this.#validMs) return undefined;
    return slot.entry;
  }

  /** The entry for `fsPath`: cached and fresh, or checked now. */
  async get(fsPath: string, realRoot: string): Promise<FileEntry> {
    const fresh = this.peek(fsPath);
    if (fresh !== undefined) return fresh;
    let pending = this.#pending.get(fsPath);
    if (pending === undefined) {
      const old = this.#slots.get(fsPath)?.entry;
      pending = this.#load(fsPath, realRoot, old).then((entry) => {
        this.#store(fsPath, entry);
        return entry;
      }).finally(() => this.#pending.delete(fsPath));
      this.#pending.set(fsPath, pending);
    }
    return await pending;
  }

  async #load(fsPath: string, realRoot: string, old: FileEntry | undefined): Promise<FileEntry> {
    let info: Deno.FileInfo;
    let real: string;
    try {
      [info, real] = await Promise.all([Deno.stat(fsPath), Deno.realPath(fsPath)]);
    } catch {
      return MISSING;
    }
    // A symlink (anywhere on the path) leading outside the root is not followed.
    if (real !== realRoot && !real.startsWith(realRoot.endsWith("/") ? realRoot : realRoot + "/")) {
      return MISSING;
    }
    if (info.isDirectory) return { kind: "dir", fsPath };
    if (!info.isFile) return MISSING;
    const mtimeMs = info.mtime?.getTime() ?? 0;
    if (
      old?.kind === "file" && old.size === info.size && old.mtimeMs === mtimeMs &&
      old.ino === info.ino && old.readPath === real
    ) {
      return old;
    }
    let bytes: Uint8Array | null = null;
    if (info.size <= this.#maxFileSize) {
      try {
        bytes = await Deno.readFile(real);
      } catch {
        return MISSING;
      }
    }
    const size = bytes?.length ?? info.size;
    return {
      kind: "file",
      fsPath,
      readPath: real,
      size,
      mtimeMs,
      ino: info.ino,
      etag: `W/"${Math.floor(mtimeMs).toString(16)}-${size.toString(16)}"`,
      lastModified: mtimeMs > 0 ? new Date(mtimeMs).toUTCString() : "",
      bytes,
    };
  }

  #store(fsPath: string, entry: FileEntry): void {
    if (this.#entries === 0) return;
    const old = this.#slots.get(fsPath);
    if (old !== undefined) {
      this.#bytes -= sizeOf(old.entry);
      this.#slots.delete(fsPath); // re-inserted last: the map's order is least recently checked
    }
    const add = sizeOf(entry);
    while (
      this.#slots.size > 0 &&
      (this.#slots.size >= this.#entries || this.#bytes + add > this.#maxBytes)
    ) {
      const [key, slot] = this.#slots.entries().next().value!;
      this.#slots.delete(key);
      this.#bytes -= sizeOf(slot.entry);
    }
    if (add > this.#maxBytes) return;
    this.#slots.set(fsPath, { entry, checked: Date.now() });
    this.#bytes += add;
  }

  /** Entries held and bytes of content held, for tests and status. */
  stats(): { entries: number; bytes: number } {
    return { entries: this.#slots.size, bytes: this.#bytes };
  }
}

function sizeOf(e: FileEntry): number {
  return e.kind === "file" && e.bytes !== null ? e.bytes.length : 0;
}
