/**
 * A stream the server opened for a visitor: its `open` message names the mapping; the client
 * connects that mapping's local address and relays.
 * @module
 */
import { errorText, log } from "../../log/logger.ts";
import { parseAddress } from "../../net/address.ts";
import { connectTcp } from "../../net/connect.ts";
import { relay, safeClose } from "../../net/relay.ts";
import { startTimer, stopTimer } from "../../net/timer.ts";
import type { MuxStream } from "../mux/stream.ts";
import { MessageReader } from "../protocol/codec.ts";
import { parseMessage } from "../protocol/messages.ts";

const logger = log("tunnel");

/** How long the server has to send `open` on a new stream, ms. */
export const OPEN_TIMEOUT_MS = 5_000;

/** How long connecting a mapping's local address may take, ms. */
export const LOCAL_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Serves one stream: reads `open`, finds the mapping's local address with `localAddrOf`,
 * connects and relays. Any failure closes the stream (one log line). Never throws.
 */
export async function serveVisitor(
  stream: MuxStream,
  localAddrOf: (mapping: string) => string | undefined,
): Promise<void> {
  const reader = new MessageReader(stream);
  const timer = startTimer(() => stream.close(), OPEN_TIMEOUT_MS);
  let mapping: string | undefined;
  let peer: string | undefined;
  try {
    const raw = await reader.next();
    const open = raw === null ? null : parseMessage(raw);
    if (open?.type !== "open") throw new Error("stream does not start with open");
    mapping = open.mapping;
    peer = open.peer;
  } catch (error) {
    stopTimer(timer);
    stream.close();
    logger.warn("tunnel stream {id}: {error}", { id: stream.id, error: errorText(error) });
    return;
  }
  stopTimer(timer);
  const localAddr = mapping === undefined ? undefined : localAddrOf(mapping);
  const addr = localAddr === undefined ? undefined : parseAddress(localAddr, false);
  if (addr === undefined) {
    stream.close();
    logger.warn("tunnel stream {id} from {peer}: no mapping {mapping}", {
      id: stream.id,
      peer: peer ?? "?",
      mapping: JSON.stringify(mapping ?? null),
    });
    return;
  }
  let local: Deno.Conn;
  try {
    local = await connectTcp(addr.hostname, addr.port, { timeout: LOCAL_CONNECT_TIMEOUT_MS });
  } catch (error) {
    stream.close();
    logger.warn("tunnel mapping {mapping} ({peer}): {error}", {
      mapping,
      peer: peer ?? "?",
      error: errorText(error),
    });
    return;
  }
  try {
    const first = reader.rest();
    let off = 0;
    while (off < first.length) off += await local.write(first.subarray(off));
    await relay(stream, local);
  } catch {
    stream.close();
    safeClose(local);
  }
}
