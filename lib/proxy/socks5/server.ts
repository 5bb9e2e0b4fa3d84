import { debugEnabled } from "../../log/level.ts";
import { listenerOf } from "../../metrics/conn_metrics.ts";
import { log } from "../../log/logger.ts";
import { formatAddress } from "../../net/address.ts";
import { ByteReader } from "../../net/byte_reader.ts";
import { ipAllowed } from "../../net/cidr.ts";
import { ProtocolError } from "../../net/protocol_error.ts";
import { relay, safeClose } from "../../net/relay.ts";
import { credentialsMatch } from "../auth.ts";
import { connectTarget } from "../target_connect.ts";
import type { ForwardProxyOptions, ProxyConnContext } from "../types.ts";
import { writeAll } from "../../net/write.ts";
import { sendFinal } from "./_io.ts";
import {
  encodeMethodSelection,
  encodeReply,
  encodeUserPassStatus,
  readGreeting,
  readRequest,
  readUserPass,
  Socks5Command,
  Socks5Method,
  Socks5Reply,
  type Socks5Request,
} from "./codec.ts";
import { connectFailure, replyFor } from "./connect_reply.ts";
import { serveUdpAssociate } from "./udp_relay.ts";
import { startTimer, stopTimer } from "../../net/timer.ts";

const logger = log("proxy", "socks5");

const COMMAND_NAMES: Record<number, string> = {
  [Socks5Command.CONNECT]: "CONNECT",
  [Socks5Command.BIND]: "BIND",
  [Socks5Command.UDP_ASSOCIATE]: "UDP ASSOCIATE",
};

/** Errors that only mean the client went away (or we closed it): expected, no stack trace. */
const CONNECTION_ERRORS = [
  Deno.errors.ConnectionReset,
  Deno.errors.ConnectionAborted,
  Deno.errors.BrokenPipe,
  Deno.errors.NotConnected,
  Deno.errors.BadResource,
  Deno.errors.Interrupted,
  Deno.errors.UnexpectedEof,
];

/**
 * Serves one SOCKS5 client (RFC 1928, with RFC 1929 username/password when
 * `ctx.options.credentials` is set): method negotiation, authentication and the request must
 * complete within `handshakeTimeout`; then CONNECT becomes a tunnel (`relay()`, closed after
 * `idleTimeout` of silence), UDP ASSOCIATE a UDP relay, and BIND is answered 0x07. Failures
 * are answered with the reply code that says what happened, logged in one line, and never
 * thrown.
 *
 * @param conn the client connection
 * @param first bytes already read from `conn` (starting with 0x05)
 * @param ctx the connection's id, addresses and settings
 */
export async function handleSocks5(
  conn: Deno.TcpConn,
  first: Uint8Array,
  ctx: ProxyConnContext,
): Promise<void> {
  const peer = formatAddress(ctx.peer);
  let timedOut = false;
  const timer = startTimer(() => {
    timedOut = true;
    safeClose(conn);
  }, ctx.options.handshakeTimeout);
  let stage = "handshake";
  try {
    const negotiated = await negotiate(conn, first, ctx);
    stopTimer(timer);
    if (!negotiated) return;
    const { request, early } = negotiated;
    stage = COMMAND_NAMES[request.command];
    if (!ipAllowed(ctx.peer.hostname, ctx.options.allow, ctx.options.deny)) {
      logger.warn("conn {id} {peer}: client address not allowed", { id: ctx.id, peer });
      listenerOf(conn)?.refuse("access");
      await sendFinal(conn, encodeReply(Socks5Reply.NOT_ALLOWED));
      return;
    }
    if (request.command === Socks5Command.CONNECT) {
      await serveConnect(conn, { request, early }, ctx);
    } else if (request.command === Socks5Command.UDP_ASSOCIATE) {
      await serveUdpAssociate(conn, request, ctx);
    } else {
      logger.warn("conn {id} {peer}: BIND {target} refused: command not supported", {
        id: ctx.id,
        peer,
        target: formatAddress(request.address),
      });
      await sendFinal(conn, encodeReply(Socks5Reply.COMMAND_NOT_SUPPORTED));
    }
  } catch (e) {
    await failed(conn, e, timedOut, stage, ctx);
  } finally {
    stopTimer(timer);
    safeClose(conn);
  }
}

/** A request that passed the handshake, with any bytes the client sent behind it. */
interface Negotiated {
  readonly request: Socks5Request;
  /** Bytes read past the request (optimistic data), to forward first. */
  readonly early: Uint8Array;
}

/**
 * Greeting, method selection, optional username/password, request. Returns the request, or
 * null when the client was turned away (already answered and logged). The reader and its
 * buffer live only this long, not for the whole tunnel.
 */
async function negotiate(
  conn: Deno.TcpConn,
  first: Uint8Array,
  ctx: ProxyConnContext,
): Promise<Negotiated | null> {
  const peer = formatAddress(ctx.peer);
  const reader = new ByteReader(conn, first, "socks5");
  const methods = await readGreeting(reader);
  const method = chooseMethod(methods, ctx.options);
  if (method === Socks5Method.NO_ACCEPTABLE) {
    const why = !ctx.options.socks5
      ? "SOCKS5 is disabled on this proxy"
      : ctx.options.credentials
      ? "client does not offer username/password authentication, which is required"
      : "client does not offer the no-authentication method";
    logger.warn("conn {id} {peer}: {why}", { id: ctx.id, peer, why });
    await sendFinal(conn, encodeMethodSelection(Socks5Method.NO_ACCEPTABLE));
    return null;
  }
  await writeAll(conn, encodeMethodSelection(method));
  if (method === Socks5Method.USER_PASS) {
    const { username, password } = await readUserPass(reader);
    const ok = credentialsMatch(username, password, ctx.options.credentials!);
    if (!ok) {
      logger.warn("conn {id} {peer}: authentication failed for user {user}", {
        id: ctx.id,
        peer,
        user: JSON.stringify(username),
      });
      await sendFinal(conn, encodeUserPassStatus(false));
      return null;
    }
    await writeAll(conn, encodeUserPassStatus(true));
  }
  const request = await readRequest(reader);
  return { request, early: reader.takeBuffered() };
}

/** The method to answer a greeting with, given what the proxy requires. */
function chooseMethod(methods: readonly number[], options: ForwardProxyOptions): number {
  if (!options.socks5) return Socks5Method.NO_ACCEPTABLE;
  const wanted = options.credentials ? Socks5Method.USER_PASS : Socks5Method.NO_AUTH;
  return methods.includes(wanted) ? wanted : Socks5Method.NO_ACCEPTABLE;
}

/** CONNECT: dial the target, reply with the upstream socket's local address, then tunnel. */
async function serveConnect(
  conn: Deno.TcpConn,
  { request, early }: Negotiated,
  ctx: ProxyConnContext,
): Promise<void> {
  const peer = formatAddress(ctx.peer);
  const target = formatAddress(request.address);
  let upstream: Deno.TcpConn;
  try {
    upstream = await connectTarget(request.address, {
      timeout: ctx.options.connectTimeout,
      policy: ctx.options.targets,
    });
  } catch (e) {
    const { reply, reason } = connectFailure(e);
    logger.warn("conn {id} {peer}: CONNECT {target} failed: {reason} (reply {reply})", {
      id: ctx.id,
      peer,
      target,
      reason,
      reply: `0x0${reply}`,
    });
    await sendFinal(conn, encodeReply(reply));
    return;
  }
  ctx.track(upstream);
  try {
    const bound = upstream.localAddr;
    await writeAll(conn, encodeReply(Socks5Reply.SUCCEEDED, bound));
    if (debugEnabled()) {
      logger.debug("conn {id} {peer}: CONNECT {target} via {bound}", {
        id: ctx.id,
        peer,
        target,
        bound: formatAddress(bound),
      });
    }
    // Bytes the client sent right behind its request (optimistic data) go first.
    if (early.length > 0) await writeAll(upstream, early);
    await relay(conn, upstream, { idleTimeout: ctx.options.idleTimeout });
  } finally {
    ctx.untrack(upstream);
    safeClose(upstream);
  }
}

/** Logs a failed connection in one line (with a stack only when unexpected) and answers it. */
async function failed(
  conn: Deno.TcpConn,
  e: unknown,
  timedOut: boolean,
  stage: string,
  ctx: ProxyConnContext,
): Promise<void> {
  const fields = { id: ctx.id, peer: formatAddress(ctx.peer), stage };
  if (timedOut) {
    logger.warn("conn {id} {peer}: handshake not complete within {ms} ms", {
      ...fields,
      ms: ctx.options.handshakeTimeout,
    });
  } else if (e instanceof ProtocolError) {
    logger.warn("conn {id} {peer}: {error}", { ...fields, error: e.message });
    const reply = replyFor(e);
    if (reply !== null) await sendFinal(conn, encodeReply(reply));
  } else if (CONNECTION_ERRORS.some((kind) => e instanceof kind)) {
    logger.warn("conn {id} {peer}: {stage}: connection lost: {error}", {
      ...fields,
      error: (e as Error).message,
    });
  } else {
    logger.error("conn {id} {peer}: {stage}: unexpected {error}", { ...fields, error: e });
  }
}
