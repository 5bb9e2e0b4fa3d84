import { debugEnabled } from "../../log/level.ts";
import { listenerOf } from "../../metrics/conn_metrics.ts";
import { logger } from "../logger.ts";
import { errorLine } from "../access_log.ts";
import type { RequestContext } from "./context.ts";

/**
 * Phase 6, log: the access-log line (`access_log`, queued to its file, never awaited), the
 * error-log line when the request failed (`error_log`), and one debug line when debug
 * logging is on: `conn 3 127.0.0.1:5000 GET example.com/a → 200 via 10.0.0.2:80 in 1.2 ms`.
 */
export function logRequest(ctx: RequestContext): void {
  listenerOf(ctx.client.conn)?.request(
    "reverse",
    ctx.head.method,
    ctx.status,
    ctx.elapsed() / 1000,
  );
  const loc = ctx.location;
  const access = loc !== null ? loc.access : ctx.server?.access ?? null;
  if (access !== null) access.sink.write(access.line(ctx));
  if (ctx.error !== "") {
    const errors = loc !== null ? loc.errors : ctx.server?.errors ?? null;
    if (errors !== null) {
      errors.write(errorLine(
        `${ctx.client.ip} ${ctx.head.method} ${ctx.host}${ctx.target} ${ctx.status}: ${ctx.error}`,
      ));
    }
  }
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
