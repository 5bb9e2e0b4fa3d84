/**
 * Turning a SOCKS5 user away politely when nothing can be reached: the handshake is played
 * to its request, which is answered with a failure reply.
 * @module
 */
import { ByteReader } from "../../net/byte_reader.ts";
import { writeAll } from "../../net/write.ts";
import { sendFinal } from "./_io.ts";
import {
  encodeMethodSelection,
  encodeReply,
  encodeUserPassStatus,
  readGreeting,
  readRequest,
  readUserPass,
  Socks5Error,
  Socks5Method,
  type Socks5ReplyCode,
} from "./codec.ts";

/**
 * Reads a SOCKS5 greeting (from `first` on), selects a method, reads the request and answers
 * it with `reply`, then lingers so the user reads the answer. No credentials are checked:
 * nothing is carried whatever they are (no-authentication is selected when offered, else
 * username/password, whose request is accepted). A broken handshake is answered as the
 * protocol allows, or just left. Never throws; the caller closes `conn`.
 * @param conn the user's connection
 * @param first bytes already read from it (starting with 0x05)
 * @param reply the reply code for the request
 */
export async function refuseSocks5(
  conn: Deno.Conn,
  first: Uint8Array,
  reply: Socks5ReplyCode,
): Promise<void> {
  const reader = new ByteReader(conn, first, "socks5");
  try {
    const methods = await readGreeting(reader);
    const method = methods.includes(Socks5Method.NO_AUTH)
      ? Socks5Method.NO_AUTH
      : methods.includes(Socks5Method.USER_PASS)
      ? Socks5Method.USER_PASS
      : Socks5Method.NO_ACCEPTABLE;
    if (method === Socks5Method.NO_ACCEPTABLE) {
      return await sendFinal(conn, encodeMethodSelection(method));
    }
    await writeAll(conn, encodeMethodSelection(method));
    if (method === Socks5Method.USER_PASS) {
      await readUserPass(reader);
      await writeAll(conn, encodeUserPassStatus(true));
    }
    await readRequest(reader);
    await sendFinal(conn, encodeReply(reply));
  } catch (error) {
    if (error instanceof Socks5Error && error.reply !== null) {
      await sendFinal(conn, encodeReply(error.reply));
    }
    // otherwise the user went away or broke the handshake: nothing to answer
  }
}
