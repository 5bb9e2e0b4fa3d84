import type { HttpFileServer } from "../config/schema.ts";
import { parseTryPaths, type TryPaths } from "../reverse/try_paths.ts";
import type { LocationAction } from "../reverse/types.ts";
import { StaticFiles } from "../static/files.ts";

/** The `files` action of a location with a validated `file_server` (and `try_paths`). */
export function filesAction(fs: HttpFileServer, tryPaths: string | null): LocationAction {
  const files = staticFiles(fs);
  const parsed = tryPaths === null ? null : parseTryPaths(tryPaths) as TryPaths;
  return { kind: "files", files, tryPaths: parsed };
}

/** The {@link StaticFiles} a validated `file_server` table describes. */
export function staticFiles(fs: HttpFileServer): StaticFiles {
  return new StaticFiles({
    root: fs.root,
    prefix: fs.prefix,
    index: fs.index,
    browse: fs.browse,
    extMimetype: fs.ext_mimetype,
    defaultMimetype: fs.default_mimetype,
    cacheTime: fs.cache_time,
    cors: fs.cors,
    path404: fs.path404,
    robots: fs.robots,
    hide: fs.hide,
    status: fs.status,
    precompressed: fs.precompressed,
    cache: {
      entries: fs.open_file_cache,
      validMs: fs.open_file_cache_valid * 1000,
      maxFileSize: fs.open_file_cache_max_file,
      maxBytes: fs.open_file_cache_size,
    },
  });
}
