import { copyBody } from "../../http/body_copy.ts";
import { HttpError } from "../../http/errors.ts";
import type { ByteSink } from "../../net/write.ts";
import type { RequestContext } from "./context.ts";

/** Most request-body bytes read and dropped to keep a connection after an early answer. */
const DISCARD_LIMIT = 1024 * 1024;

/** A sink that drops bytes, refusing more than a limit. */
class DiscardSink implements ByteSink {
  #left: number;

  constructor(limit: number) {
    this.#left = limit;
  }

  write(p: Uint8Array): Promise<number> {
    this.#left -= p.length;
    if (this.#left < 0) return Promise.reject(new RangeError("body too large to discard"));
    return Promise.resolve(p.length);
  }
}

/**
 * Reads and drops the request body of a request answered without forwarding, so the
 * connection can serve the next one. Returns false when that is not possible (the body is
 * malformed, over 1 MiB, or the client is gone); the connection must then close.
 */
export async function discardBody(ctx: RequestContext): Promise<boolean> {
  const { head, client } = ctx;
  const body = head.body;
  if (ctx.bodyRead || body.kind === "none") return true;
  const reader = client.reader;
  if (body.kind === "length" && reader.buffered >= body.length) {
    reader.consume(body.length);
    ctx.bodyRead = true;
    return true;
  }
  client.watchStall(ctx.location?.location.timeouts.clientRead ?? ctx.gen.timeouts.clientRead);
  try {
    await copyBody(reader, new DiscardSink(DISCARD_LIMIT), { length: body });
    ctx.bodyRead = true;
    return client.fired === 0;
  } catch (e) {
    if (e instanceof HttpError || e instanceof RangeError) return false;
    throw e;
  } finally {
    client.clear();
  }
}
