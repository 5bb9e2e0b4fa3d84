/**
 * Control messages of the tunnel: length-prefixed JSON on a byte stream (a multiplexed stream
 * or a plain connection). Each message is a 4-byte big-endian length, then that many bytes of
 * UTF-8 JSON (an object with a `type`). Nothing here knows what the messages mean.
 * @module
 */

/** Largest message accepted or sent (bytes of JSON). */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/** What the codec reads from and writes to: `Deno.Conn` and a multiplexed stream both fit. */
export interface ByteStream {
  read(buf: Uint8Array): Promise<number | null>;
  write(bytes: Uint8Array): Promise<number>;
}

/** A peer broke the message framing: oversize, not JSON, not an object with a `type`. */
export class TunnelMessageError extends Error {
  override name = "TunnelMessageError";
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Encodes one message: the length prefix and the JSON. */
export function encodeMessage<M extends { type: string }>(message: M): Uint8Array {
  const json = encoder.encode(JSON.stringify(message));
  if (json.length > MAX_MESSAGE_BYTES) {
    throw new TunnelMessageError(`message of ${json.length} bytes exceeds ${MAX_MESSAGE_BYTES}`);
  }
  const out = new Uint8Array(4 + json.length);
  new DataView(out.buffer).setUint32(0, json.length);
  out.set(json, 4);
  return out;
}

/** Writes one message in full. */
export async function writeMessage<M extends { type: string }>(
  stream: ByteStream,
  message: M,
): Promise<void> {
  const bytes = encodeMessage(message);
  let off = 0;
  while (off < bytes.length) off += await stream.write(bytes.subarray(off));
}

/**
 * Reads messages from a stream, keeping what arrives after one for the next call (or for
 * {@link MessageReader.rest} once the stream turns into raw bytes).
 */
export class MessageReader {
  readonly #stream: ByteStream;
  #buf = new Uint8Array(0);

  constructor(stream: ByteStream) {
    this.#stream = stream;
  }

  /**
   * The next message; null when the stream ended cleanly before its first byte.
   * @throws TunnelMessageError on a broken frame or an end in the middle of one
   */
  async next(): Promise<Record<string, unknown> & { type: string } | null> {
    if (!(await this.#fill(4))) {
      if (this.#buf.length === 0) return null;
      throw new TunnelMessageError("stream ended inside a message length");
    }
    const length = new DataView(this.#buf.buffer, this.#buf.byteOffset, 4).getUint32(0);
    if (length > MAX_MESSAGE_BYTES) {
      throw new TunnelMessageError(`message of ${length} bytes exceeds ${MAX_MESSAGE_BYTES}`);
    }
    if (!(await this.#fill(4 + length))) {
      throw new TunnelMessageError("stream ended inside a message");
    }
    const json = this.#buf.subarray(4, 4 + length);
    this.#buf = this.#buf.subarray(4 + length);
    let value: unknown;
    try {
      value = JSON.parse(decoder.decode(json));
    } catch {
      throw new TunnelMessageError("message is not UTF-8 JSON");
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new TunnelMessageError("message is not a JSON object");
    }
    const type = (value as { type?: unknown }).type;
    if (typeof type !== "string") throw new TunnelMessageError("message has no string type");
    return value as Record<string, unknown> & { type: string };
  }

  /** Bytes read past the last message (the start of raw data on a stream that switched). */
  rest(): Uint8Array {
    const rest = this.#buf;
    this.#buf = new Uint8Array(0);
    return rest;
  }

  /** Reads until `n` bytes are buffered; false at end of stream. */
  async #fill(n: number): Promise<boolean> {
    while (this.#buf.length < n) {
      const chunk = new Uint8Array(Math.max(4096, n - this.#buf.length));
      const got = await this.#stream.read(chunk);
      if (got === null) return false;
      const next = new Uint8Array(this.#buf.length + got);
      next.set(this.#buf);
      next.set(chunk.subarray(0, got), this.#buf.length);
      this.#buf = next;
    }
    return true;
  }
}
