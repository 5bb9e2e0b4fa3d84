import { listenerOf } from "../../metrics/conn_metrics.ts";
import type { Answer, RequestContext } from "./context.ts";

const LIMITED: Answer = {
  status: 503,
  body: "503 Service Unavailable: too many requests\n",
  headers: [["Retry-After", "1"]],
};

/**
 * Phase 3, limits: the location's `limit_req` takes a token from its zone's bucket for the
 * request's key (`{client_ip}`...); with none left the answer is 503, as nginx's default.
 */
export function checkLimits(ctx: RequestContext): Answer | null {
  const limit = ctx.location!.location.limitReq;
  if (!limit) return null;
  if (limit.zone.admit(ctx, limit.burst)) return null;
  listenerOf(ctx.client.conn)?.limited(limit.zone.options.name);
  ctx.error = `limit_req zone "${limit.zone.options.name}" exceeded`;
  return LIMITED;
}
