/**
 * A stream the server opened for a visitor: its `open` message names the mapping; the
 * client's stream handler serves it (by default: connect the mapping's local address, relay).
 * @module
 */
import { errorText, log } from "../../log/logger.ts";
import { parseAddress } from "../../net/address.ts";
import { encodeProxyHeader } from "../../net/proxy_protocol.ts";
import { connectTcp } from "../../net/connect.ts";
import { relay, safeClose } from "../../net/relay.ts";
import { startTimer, stopTimer } from "../../net/timer.ts";
import type { MuxStream } from "../mux/stream.ts";
import { MessageReader } from "../protocol/codec.ts";
import { parseMessage } from "../protocol/messages.ts";
import type { StreamHandler, TunnelClientMapping, VisitorOpen } from "./types.ts";

const logger = log("tunnel");

/** How long the server has to send `open` on a new stream, ms. */
export const OPEN_TIMEOUT_MS = 5_000;

/** How long connecting a mapping's local address may take, ms. */
export const LOCAL_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Serves one stream: reads `open`, finds the mapping with `mappingOf` and hands the stream to
 * `serve`. Any failure closes the stream (one log line). Never throws.
 */
export async function serveVisitor(
  stream: MuxStream,
  mappingOf: (name: string) => TunnelClientMapping | undefined,
  serve: StreamHandler,
): Promise<void> {
  const reader = new MessageReader(stream);
  const timer = startTimer(() => stream.close(), OPEN_TIMEOUT_MS);
  let name: string | undefined;
  let peer: string | undefined;
  try {
    const raw = await reader.next();
    const open = raw === null ? null : parseMessage(raw);
    if (open?.type !== "open") throw new Error("stream does not start with open");
    name = open.mapping;
    peer = open.peer;
  } catch (error) {
    stopTimer(timer);
    stream.close();
    logger.warn("tunnel stream {id}: {error}", { id: stream.id, error: errorText(error) });
    return;
  }
  stopTimer(timer);
  const mapping = name === undefined ? undefined : mappingOf(name);
  if (mapping === undefined) {
    stream.close();
    logger.warn("tunnel stream {id} from {peer}: no mapping {mapping}", {
      id: stream.id,
      peer: peer ?? "?",
      mapping: JSON.stringify(name ?? null),
    });
    return;
  }
  const failed = (error: unknown) => {
    stream.close();
    logger.warn("tunnel mapping {mapping} ({peer}): {error}", {
      mapping: mapping.name,
      peer: peer ?? "?",
      error: errorText(error),
    });
  };
  // Returned, not awaited: this frame (and the `open` it read) is not kept for the life of the
  // stream.
  try {
    return serve(stream, { mapping, peer: peer ?? null, first: reader.rest() }).catch(failed);
  } catch (error) {
    failed(error);
  }
}

/**
 * The default stream handler: connects the mapping's `localAddr` and relays (the bytes that
 * came with `open` first). Failures close the stream with one log line; never throws.
 */
export async function serveLocal(stream: MuxStream, open: VisitorOpen): Promise<void> {
  const { mapping, peer } = open;
  const addr = parseAddress(mapping.localAddr, false);
  if (addr === undefined) {
    stream.close();
    logger.warn("tunnel mapping {mapping} ({peer}): no local address to connect", {
      mapping: mapping.name,
      peer: peer ?? "?",
    });
    return;
  }
  let local: Deno.Conn;
  try {
    local = await connectTcp(addr.hostname, addr.port, { timeout: LOCAL_CONNECT_TIMEOUT_MS });
  } catch (error) {
    stream.close();
    logger.warn("tunnel mapping {mapping} ({peer}): {error}", {
      mapping: mapping.name,
      peer: peer ?? "?",
      error: errorText(error),
    });
    return;
  }
  try {
    if (mapping.sendProxyProtocol !== undefined) {
      // The visitor's address at the server; the destination is the local service (the
      // client does not learn which public address the visitor used). No peer: UNKNOWN.
      const source = (peer ? parseAddress(peer) : undefined) ?? { hostname: "", port: 0 };
      const header = encodeProxyHeader(mapping.sendProxyProtocol, source, addr);
      let sent = 0;
      while (sent < header.length) sent += await local.write(header.subarray(sent));
    }
    const first = open.first;
    let off = 0;
    while (off < first.length) off += await local.write(first.subarray(off));
  } catch {
    stream.close();
    safeClose(local);
    return;
  }
  // Returned, not awaited: this frame is not kept for the life of the stream (relay closes
  // both when it ends).
  return relay(stream, local).then(noop);
}

function noop(): void {}
