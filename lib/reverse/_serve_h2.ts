import { inheritListener } from "../metrics/conn_metrics.ts";
import { requestServed } from "../net/conn_gauge.ts";
import { Http2ProtocolError, isHttpError, serveHttp2 } from "../net/http2_serve.ts";
import { startTimer, stopTimer, type Timer } from "../net/timer.ts";
import type { DeadlineSweeper } from "./_deadlines.ts";
import { H2Stream } from "./_h2_stream.ts";
import { serveRequest } from "./_serve.ts";
import { ClientConn } from "./client_conn.ts";
import { logger } from "./logger.ts";
import { errorText } from "../log/logger.ts";
import { RequestContext } from "./phases/context.ts";
import { logRequest } from "./phases/log.ts";

const NO_RAW_HEAD = new Uint8Array(0);

/** What {@link serveHttp2Connection} needs besides the connection. */
export interface Http2Env {
  /** Enforces the deadlines of the streams' exchanges. */
  readonly sweeper: DeadlineSweeper;
  /** Ids for the streams (each a connection in logs). */
  readonly nextId: () => number;
  /** Where the connection registers its shutdown, so a draining listener can send GOAWAY. */
  readonly open: Set<AbortController>;
}

/**
 * Serves an HTTP/2 client connection (its handshake chose `h2`): each stream runs through
 * the same phases as an HTTP/1.1 request — route, access, limits, the action, header rules,
 * the log — its request and answer as an {@link H2Stream} (a head made from the `Request`,
 * the answer given as status, fields and body: no HTTP/1.1 bytes on the client side),
 * upstream over the HTTP/1.1 pools. With no stream
 * open for `clientKeepAlive`, and when the listener drains, the connection is shut down
 * gracefully (GOAWAY; open streams finish).
 */
export async function serveHttp2Connection(client: ClientConn, env: Http2Env): Promise<void> {
  const gen = client.gen;
  const conn = client.conn;
  const addrs = { local: conn.localAddr as Deno.NetAddr, remote: conn.remoteAddr as Deno.NetAddr };
  const shutdown = new AbortController();
  const idleMs = gen.timeouts.clientKeepAlive;
  let active = 0;
  let streams = 0;
  let idle: Timer = undefined;
  const armIdle = () => {
    if (idleMs > 0) idle = startTimer(() => shutdown.abort(), idleMs);
  };
  const handler = (request: Request): Promise<Response> => {
    // The connection counted as served when accepted; each further stream counts again.
    if (streams++ > 0) requestServed();
    if (active++ === 0) {
      stopTimer(idle);
      idle = undefined;
    }
    const stream = new H2Stream(request, addrs);
    inheritListener(conn, stream); // requests and limits count for the listener
    const c = new ClientConn(env.nextId(), stream as unknown as Deno.Conn, {
      gen,
      sweeper: env.sweeper,
      tracker: client.tracker,
      h2: stream,
    });
    const ctx = new RequestContext(c, stream.head, NO_RAW_HEAD);
    let served: Promise<boolean>;
    try {
      served = serveRequest(ctx);
    } catch (e) {
      served = Promise.reject(e);
    }
    // The phases ended: a streamed body is complete. After a throw, finish() resets it.
    served.then(() => {
      logRequest(ctx);
      stream.end();
    }, (e) => {
      logger.error("conn {id} {peer}: unexpected {error}", { id: c.id, peer: c.peer, error: e });
    }).finally(() => {
      c.finish();
      if (--active === 0 && !shutdown.signal.aborted) armIdle();
    });
    return stream.response;
  };
  env.open.add(shutdown);
  armIdle();
  try {
    await serveHttp2(conn, handler, {
      signal: shutdown.signal,
      onError: (e) => {
        logger.error("conn {id} {peer}: unexpected {error}", {
          id: client.id,
          peer: client.peer,
          error: e,
        });
      },
    });
  } catch (e) {
    if (e instanceof Http2ProtocolError) {
      // As a malformed HTTP/1.1 head: one line shown by default, no stack.
      logger.warn("conn {id} {peer}: {error}", {
        id: client.id,
        peer: client.peer,
        error: e.message,
      });
      return;
    }
    if (!clientLeft(e)) throw e;
    // A client that drops its connection with streams open is no fault of ours.
    logger.debug("conn {id} {peer}: HTTP/2 connection ended: {error}", {
      id: client.id,
      peer: client.peer,
      error: errorText(e),
    });
  } finally {
    stopTimer(idle);
    env.open.delete(shutdown);
  }
}

/**
 * Whether the connection failed because the client went away (reset, broken, cut short), or
 * with another of hyper's errors (`Deno.errors.Http`), none of them ours to fix.
 */
function clientLeft(e: unknown): boolean {
  return isHttpError(e) || e instanceof Deno.errors.ConnectionReset ||
    e instanceof Deno.errors.BrokenPipe ||
    e instanceof Deno.errors.BadResource || e instanceof Deno.errors.UnexpectedEof;
}
