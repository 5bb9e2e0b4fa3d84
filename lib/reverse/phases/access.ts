import { listenerOf } from "../../metrics/conn_metrics.ts";
import type { Answer, RequestContext } from "./context.ts";

const FORBIDDEN: Answer = { status: 403, body: "403 Forbidden\n" };

/**
 * Phase 2, access: the client's address must pass the server's allow/deny lists and then the
 * location's (deny first, then allow, as `ipAllowed`); otherwise 403.
 */
export function checkAccess(ctx: RequestContext): Answer | null {
  const { client, server, location } = ctx;
  const s = server.server;
  if (client.allowed(s.allow, s.deny)) {
    const l = location!.location;
    if (client.allowed(l.allow, l.deny)) return null;
  }
  listenerOf(client.conn)?.refuse("access");
  return FORBIDDEN;
}
