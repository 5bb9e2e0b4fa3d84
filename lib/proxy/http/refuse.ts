/**
 * Turning an HTTP proxy user (a plain request or CONNECT) away with an error status when
 * nothing can be reached.
 * @module
 */
import { errorResponse } from "../../http/error_response.ts";
import { lingerClose } from "../../http/linger.ts";
import { HttpReader } from "../../http/reader.ts";
import { writeAll } from "../../net/write.ts";

const HEAD = new TextEncoder().encode("HEAD ");

/**
 * Reads the first request head (from `first` on; at most 64 KiB) and answers it with
 * `status` and a short text body naming `message`, `Connection: close`, then lingers so the
 * user reads the answer even while still sending. A head that is too large or broken is
 * answered the same. Never throws; the caller closes `conn`.
 * @param conn the user's connection
 * @param first bytes already read from it
 * @param answer the status and the cause for the body
 */
export async function refuseHttp(
  conn: Deno.Conn,
  first: Uint8Array,
  answer: { readonly status: number; readonly message: string },
): Promise<void> {
  const reader = new HttpReader(conn, first);
  try {
    try {
      await reader.readHead("request");
    } catch {
      // too large or broken: answered all the same
    }
    const bodyless = first.length >= HEAD.length && HEAD.every((b, i) => first[i] === b);
    await writeAll(conn, errorResponse(answer.status, answer.message, { close: true, bodyless }));
    await lingerClose(conn, reader);
  } catch {
    // the user went away
  } finally {
    reader.release();
  }
}
