import { debugEnabled } from "../../log/level.ts";
import { HttpError } from "../../http/errors.ts";
import { noDelay } from "../../http/no_delay.ts";
import type { RequestHead } from "../../http/request_head.ts";
import { parseAuthorityTarget, type TargetAddress } from "../../http/target.ts";
import { writeAll } from "../../net/write.ts";
import { ConnectError } from "../../net/connect.ts";
import { relay, safeClose } from "../../net/relay.ts";
import { connectTarget } from "../target_connect.ts";
import { rejectError } from "./_answer.ts";
import { errorText } from "../../log/logger.ts";
import { logDone, logger } from "./_log.ts";
import type { HttpSession } from "./_session.ts";

const ESTABLISHED = new TextEncoder().encode("HTTP/1.1 200 Connection Established\r\n\r\n");

/**
 * Serves `CONNECT host:port`: connects to the target, answers `200 Connection Established`
 * and then relays bytes blindly both ways (bytes the client sent after the head go first)
 * until either side ends or the tunnel is idle for `idleTimeout`. Connect failures answer 502
 * (504 on timeout, 403 for a target the policy refuses). Returns whether the client connection stays open for another request,
 * which is only after a failure.
 */
export async function handleConnect(s: HttpSession, head: RequestHead): Promise<boolean> {
  const { id, options } = s.ctx;
  let target: TargetAddress;
  try {
    target = parseAuthorityTarget(head.target);
  } catch (e) {
    if (!(e instanceof HttpError)) throw e;
    return await rejectError(s, head, e);
  }
  // An earlier plain request may have left an upstream open; a tunnel replaces it.
  s.upstream.close();
  let upstream: Deno.TcpConn;
  try {
    upstream = await connectTarget(target, {
      timeout: options.connectTimeout,
      policy: options.targets,
    });
  } catch (e) {
    if (!(e instanceof ConnectError)) throw e;
    return await rejectError(s, head, e);
  }
  noDelay(upstream);
  s.ctx.track(upstream);
  try {
    s.watchdog.clear();
    try {
      await writeAll(s.client, ESTABLISHED);
      const early = s.reader.takeBuffered();
      // The tunnel reads the socket directly: the reader's pooled buffer goes back now rather
      // than staying with an idle tunnel until it closes.
      s.reader.park();
      if (early.length > 0) await writeAll(upstream, early);
    } catch (e) {
      logger.debug("conn {id} {peer} CONNECT {target}: gone before the tunnel started: {error}", {
        id,
        peer: s.peer,
        target: head.target,
        error: errorText(e),
      });
      return false;
    }
    logDone(s, head, 200);
    const r = await relay(s.client, upstream, { idleTimeout: options.idleTimeout });
    if (debugEnabled()) {
      logger.debug(
        "conn {id} {peer} CONNECT {target} closed ({reason}): {sent} bytes up, {received} down",
        { id, peer: s.peer, target: head.target, ...r },
      );
    }
    return false;
  } finally {
    safeClose(upstream);
    s.ctx.untrack(upstream);
  }
}
