import { HttpError } from "../../http/errors.ts";
import { hostName, parseAbsoluteTarget } from "../../http/target.ts";
import { METHOD_NOT_ALLOWED, NO_LOCATION, normalizePath } from "../match.ts";
import type { Answer, RequestContext } from "./context.ts";

const CONNECT_REFUSED: Answer = {
  status: 405,
  body: "405 Method Not Allowed: CONNECT is not served by a reverse proxy\n",
  close: true,
};
const BAD_PATH: Answer = {
  status: 400,
  body: "400 Bad Request: invalid path\n",
};
const NOT_FOUND: Answer = { status: 404, body: "404 Not Found\n" };

/**
 * Phase 1, routing: picks the server by host and the location by path and method (the rules
 * are in lib/reverse/match.ts) and splits the target into `{path}` and `{query}`. Answers
 * 400 for a bad absolute URI or path, 404 when no location matches, 405 with `Allow` when
 * none accepts the method, 405 for CONNECT.
 */
export function route(ctx: RequestContext): Answer | null {
  const { head, gen } = ctx;
  if (head.method === "CONNECT") return CONNECT_REFUSED;
  let authority = head.headers.get("host") ?? "";
  if (head.form === "absolute") {
    // RFC 9112 §3.2.2: the target's authority overrides Host.
    try {
      const t = parseAbsoluteTarget(head.target);
      authority = t.authority;
      ctx.target = t.path;
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      return { status: e.status, body: `${e.status} Bad Request: ${e.message}\n` };
    }
  }
  ctx.authority = authority;
  ctx.host = authority === "" ? "" : hostName(authority);
  const server = gen.servers[gen.serverTable.match(ctx.host)];
  if (server === undefined) return NOT_FOUND; // a listener without servers
  ctx.server = server;
  const target = ctx.target;
  const q = target.indexOf("?");
  ctx.path = q < 0 ? target : target.slice(0, q);
  ctx.query = q < 0 ? "" : target.slice(q + 1);
  const path = head.form === "asterisk" ? "/" : normalizePath(ctx.path);
  if (path === null) return BAD_PATH;
  const i = server.table.match(path, head.method);
  if (i === NO_LOCATION) return NOT_FOUND;
  if (i === METHOD_NOT_ALLOWED) {
    const allow = server.table.allowed(path).join(", ");
    return {
      status: 405,
      body: `405 Method Not Allowed: ${head.method} is not accepted here\n`,
      headers: [["Allow", allow]],
    };
  }
  ctx.location = server.locations[i];
  return null;
}
