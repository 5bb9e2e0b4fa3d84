/**
 * A forward proxy that cannot serve anyone right now (the tunnel client's local proxy while no
 * tunnel server is connected) still answers in each user's protocol: it sniffs the first byte
 * as {@link ForwardProxy} does, reads the first request, and answers it with a failure.
 * @module
 */
import { safeClose } from "../net/relay.ts";
import { startTimer, stopTimer } from "../net/timer.ts";
import { refuseHttp } from "./http/refuse.ts";
import { SOCKS5_VERSION, Socks5Reply, type Socks5ReplyCode } from "./socks5/codec.ts";
import { refuseSocks5 } from "./socks5/refuse.ts";

/** Options for {@link refuseProxyUser}. */
export interface RefuseOptions {
  /** The cause, in the body of the HTTP answer. */
  readonly message: string;
  /** The HTTP status of a request or CONNECT. @default 502 */
  readonly status?: number;
  /** The reply code of a SOCKS5 request. @default 0x01 (general failure) */
  readonly socks5Reply?: Socks5ReplyCode;
  /** Most ms the user has to send its first request; the whole refusal takes at most twice this. */
  readonly timeout: number;
}

/** What the user spoke: `none` when it closed or stayed silent before its first byte. */
export type RefusedProtocol = "http" | "socks5" | "none";

/** Largest first read (the protocol sniff). */
const FIRST_READ_SIZE = 4096;

/**
 * Answers a forward proxy user's first request with a failure: an HTTP request or CONNECT
 * gets `status` (with `message` in the body), a SOCKS5 request (first byte 0x05) gets
 * `socks5Reply` after the method negotiation; then the connection is closed. Never throws.
 * @returns the protocol the user spoke
 */
export async function refuseProxyUser(
  conn: Deno.Conn,
  options: RefuseOptions,
): Promise<RefusedProtocol> {
  let timer = startTimer(() => safeClose(conn), options.timeout);
  try {
    const buf = new Uint8Array(FIRST_READ_SIZE);
    let n: number | null;
    try {
      n = await conn.read(buf);
    } catch {
      return "none";
    }
    if (n === null || n === 0) return "none";
    const first = buf.subarray(0, n);
    stopTimer(timer);
    // Time to read the rest of the request; answering lingers for a bounded time of its own.
    timer = startTimer(() => safeClose(conn), options.timeout);
    if (first[0] === SOCKS5_VERSION) {
      await refuseSocks5(conn, first, options.socks5Reply ?? Socks5Reply.GENERAL_FAILURE);
      return "socks5";
    }
    await refuseHttp(conn, first, { status: options.status ?? 502, message: options.message });
    return "http";
  } finally {
    stopTimer(timer);
    safeClose(conn);
  }
}
