import { debugEnabled } from "../../log/level.ts";
import { logger } from "../_log.ts";
import type { RequestContext } from "./context.ts";

/**
 * Phase 6, log: one debug line per request (built only when debug logging is on):
 * `conn 3 127.0.0.1:5000 GET example.com/a → 200 via 10.0.0.2:80 in 1.2 ms`.
 */
export function logRequest(ctx: RequestContext): void {
  if (!debugEnabled()) return;
  const ms = ctx.started > 0 ? (performance.now() - ctx.started).toFixed(1) : "?";
  logger.debug("conn {id} {peer} {method} {host}{target} → {status}{via} in {ms} ms", {
    id: ctx.client.id,
    peer: ctx.client.peer,
    method: ctx.head.method,
    host: ctx.host,
    target: ctx.target,
    status: ctx.status,
    via: ctx.upstreamAddr ? ` via ${ctx.upstreamAddr}` : "",
    ms,
  });
}
