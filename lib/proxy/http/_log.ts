import type { RequestHead } from "../../http/request_head.ts";
import { debugEnabled } from "../../log/level.ts";
import { log } from "../../log/logger.ts";
import { listenerOf } from "../../metrics/conn_metrics.ts";
import type { HttpSession } from "./_session.ts";

/** The forward proxy's logger (`wmproxy.proxy`). */
export const logger = log("proxy");

/** The one debug line per request: `conn 3 127.0.0.1:5000 GET http://h/ → 200`. */
export function logDone(s: HttpSession, head: RequestHead, status: number): void {
  listenerOf(s.client)?.request(
    "forward",
    head.method,
    status,
    (performance.now() - s.started) / 1000,
  );
  if (!debugEnabled()) return;
  logger.debug("conn {id} {peer} {method} {target} → {status}", {
    id: s.ctx.id,
    peer: s.peer,
    method: head.method,
    target: head.target,
    status,
  });
}

/**
 * The one warning for a request that failed (protocol error, unreachable target), without a
 * stack; skipped once the watchdog fired, as it logs its own line.
 */
export function logFailure(s: HttpSession, head: RequestHead, error: string): void {
  if (s.watchdog.fired) return;
  logger.warn("conn {id} {peer} {method} {target}: {error}", {
    id: s.ctx.id,
    peer: s.peer,
    method: head.method,
    target: head.target,
    error,
  });
}
