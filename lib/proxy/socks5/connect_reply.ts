import { ConnectError } from "../../net/connect.ts";
import { ProtocolError } from "../../net/protocol_error.ts";
import { Socks5Error, Socks5Reply, type Socks5ReplyCode } from "./codec.ts";

/** The reply a failed connect earns, and a short reason for the log. */
export interface ConnectFailure {
  /** The SOCKS5 reply code that tells the client what happened. */
  readonly reply: Socks5ReplyCode;
  /** e.g. `connection refused`, `name not resolved`. */
  readonly reason: string;
}

// What getaddrinfo failures look like once Deno has turned them into an Error message.
const NOT_RESOLVED =
  /failed to lookup address|name or service not known|no address associated|nodename nor servname|temporary failure in name resolution/i;

/**
 * Maps a failed connect to the reply code that tells the truth: refused 0x05, network
 * unreachable 0x03, host unreachable / name not resolved / timed out 0x04, forbidden 0x02,
 * anything else 0x01. Looks through {@link ConnectError} to the Deno error underneath, since
 * its `unreachable` kind covers several of these.
 */
export function connectFailure(error: unknown): ConnectFailure {
  if (error instanceof ConnectError) {
    if (error.kind === "timeout") {
      return { reply: Socks5Reply.HOST_UNREACHABLE, reason: "connect timed out" };
    }
    if (error.kind === "denied") {
      return { reply: Socks5Reply.NOT_ALLOWED, reason: String(error.cause) };
    }
    if (error.kind === "refused") {
      return { reply: Socks5Reply.CONNECTION_REFUSED, reason: "connection refused" };
    }
    return causeFailure(error.cause);
  }
  return causeFailure(error);
}

/**
 * The one place a failure becomes a SOCKS5 reply code: a malformed request its own code (null
 * when SOCKS5 has none: the connection just closes), any other protocol error null, a failed
 * connect the code {@link connectFailure} finds.
 */
export function replyFor(error: unknown): Socks5ReplyCode | null {
  if (error instanceof Socks5Error) return error.reply;
  if (error instanceof ProtocolError) return null;
  return connectFailure(error).reply;
}

function causeFailure(cause: unknown): ConnectFailure {
  const code = (cause as { code?: unknown } | null)?.code;
  if (cause instanceof Deno.errors.ConnectionRefused || code === "ECONNREFUSED") {
    return { reply: Socks5Reply.CONNECTION_REFUSED, reason: "connection refused" };
  }
  if (cause instanceof Deno.errors.NetworkUnreachable || code === "ENETUNREACH") {
    return { reply: Socks5Reply.NETWORK_UNREACHABLE, reason: "network unreachable" };
  }
  if (code === "EHOSTUNREACH" || code === "EHOSTDOWN") {
    return { reply: Socks5Reply.HOST_UNREACHABLE, reason: "host unreachable" };
  }
  if (cause instanceof Deno.errors.TimedOut || code === "ETIMEDOUT") {
    return { reply: Socks5Reply.HOST_UNREACHABLE, reason: "connect timed out" };
  }
  if (
    cause instanceof Deno.errors.PermissionDenied || cause instanceof Deno.errors.NotCapable ||
    code === "EACCES" || code === "EPERM"
  ) {
    return { reply: Socks5Reply.NOT_ALLOWED, reason: "connection not permitted" };
  }
  if (cause instanceof Deno.errors.NotFound || NOT_RESOLVED.test(String(cause))) {
    return { reply: Socks5Reply.HOST_UNREACHABLE, reason: "name not resolved" };
  }
  const message = cause instanceof Error ? cause.message : String(cause);
  return { reply: Socks5Reply.GENERAL_FAILURE, reason: message };
}
