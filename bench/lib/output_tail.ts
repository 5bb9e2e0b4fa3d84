/**
 * Keeps the last bytes a child process wrote, so a failure can say why without the harness
 * buffering everything or the child blocking on a full pipe.
 * @module
 */

/** The most recent output of a stream, bounded in size. */
export interface OutputTail {
  /** The retained text (the end of the output). */
  text(): string;
  /** Resolves when the stream has ended. */
  finished: Promise<void>;
}

/**
 * Reads `stream` to its end, retaining at most `limit` trailing bytes.
 * @param stream a child's stdout or stderr
 * @param limit bytes kept @default 8192
 * @returns the tail
 */
export function drainToTail(stream: ReadableStream<Uint8Array>, limit = 8192): OutputTail {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const finished = (async () => {
    try {
      for await (const chunk of stream) {
        chunks.push(chunk);
        size += chunk.byteLength;
        while (size - chunks[0].byteLength >= limit) size -= chunks.shift()!.byteLength;
      }
    } catch {
      // The child died mid-write; what was read so far is what there is.
    }
  })();
  function text(): string {
    const all = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      all.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return new TextDecoder().decode(all.subarray(Math.max(0, size - limit)));
  }
  return { text, finished };
}
