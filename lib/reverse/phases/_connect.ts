import { errorStatus } from "../../http/errors.ts";
import { ConnectError } from "../../net/connect.ts";
import { upstreamConnectFailed } from "../../metrics/families.ts";
import { logger } from "../logger.ts";
import type { ReverseUpstreamServer } from "../types.ts";
import type { UpstreamConn } from "../upstream_conn.ts";
import type { RequestContext } from "./context.ts";

/** What failed attempts so far have learnt; kept by the caller across {@link openUpstream} calls. */
export interface ConnectState {
  /** Servers whose connect failed for this request. */
  tried?: Set<ReverseUpstreamServer>;
  /** The last connect failure. */
  lastError?: ConnectError;
}

/** No server could be had: the status to answer and why. */
export interface NoUpstream {
  readonly status: 502 | 503 | 504;
  readonly error: string;
}

/**
 * Picks a server of the location's upstream (skipping those marked down and those in
 * `state.tried`) and returns a connection to it: an idle pooled one when `reuse`, else a new
 * one. A connect that fails or times out counts against the server's passive health, is logged
 * and moves on to the next server (nginx's `proxy_next_upstream error timeout`). With no server
 * left: 503 when every server is down, else 502, or 504 when the last attempt timed out.
 */
export async function openUpstream(
  ctx: RequestContext,
  options: { readonly reuse: boolean; readonly state: ConnectState },
): Promise<UpstreamConn | NoUpstream> {
  const group = ctx.location!.group!;
  const timeout = ctx.location!.location.timeouts.proxyConnect;
  const state = options.state;
  const client = ctx.client;
  while (true) {
    const server = group.select(ctx, state.tried);
    if (server === undefined) {
      const e = state.lastError;
      if (e === undefined) {
        return { status: 503, error: `every server of upstream "${group.upstream.name}" is down` };
      }
      return { status: errorStatus(e) as 502 | 504, error: e.message };
    }
    ctx.upstreamAddr = server.addr;
    const idle = options.reuse ? group.takeIdle(server) : undefined;
    if (idle !== undefined) return idle;
    try {
      return await group.connect(server, timeout, client.addresses);
    } catch (e) {
      if (!(e instanceof ConnectError)) throw e;
      group.failed(server);
      upstreamConnectFailed(group.upstream.name, server.addr);
      state.lastError = e;
      (state.tried ??= new Set()).add(server);
      logger.warn("conn {id} {peer} {method} {target}: {error}; {next}", {
        id: client.id,
        peer: client.peer,
        method: ctx.head.method,
        target: ctx.target,
        error: e.message,
        next: state.tried.size < group.servers.length ? "trying the next server" : "no server left",
      });
    }
  }
}
