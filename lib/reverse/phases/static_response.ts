import type { Answer, RequestContext } from "./context.ts";

/**
 * The `static` action: the location's `static_response` with its variables expanded, as
 * `text/plain; charset=utf-8` with the action's status, response header rules applied.
 */
export function staticAnswer(ctx: RequestContext): Answer {
  const a = ctx.location!.location.action;
  const status = a.kind === "static" ? a.status : 200;
  return { status, body: ctx.location!.staticBody!.expand(ctx), rules: true };
}
