/**
 * Labels, paths and load settings shared by the row builders of the `reverse` case.
 * @module
 */

import type { NginxBody } from "../../servers/nginx.ts";

/** How the peer is named in the table. */
export const PEER = "nginx (proxy_pass, upstream keepalive 256, 1 worker)";

/** How the floor is named in the rows that compare ours with it. */
export const FLOOR =
  "minimal Deno relay (floor: one upstream connection per client, no HTTP parsing)";

/** Suffix of every row where lower is better, so the ratio's direction is never a guess. */
export const LOWER_IS_BETTER = "(lower is better: ratio = peer/ours)";

/** wrk threads. */
export const THREADS = 1;

/** The 1 KiB body, in the origin's configuration text. */
export const BODY_1K: NginxBody = { path: "/1k", bytes: 1024, via: "return" };

/** The 64 KiB body, a file the origin sends with sendfile. */
export const BODY_64K: NginxBody = { path: "/64k", bytes: 64 * 1024, via: "file" };

/** Every body the origins serve. */
export const BODIES: readonly NginxBody[] = [BODY_1K, BODY_64K];
