/** Which bytes {@link fileChunks} reads, and into what. */
export interface FileChunksOptions {
  /** First byte. */
  readonly start: number;
  /** Bytes to read. */
  readonly length: number;
  /** The buffer each chunk is read into (reused). @default a new buffer of up to 64 KiB */
  readonly buffer?: Uint8Array;
}

/**
 * Reads `length` bytes of `fsPath` from `start`, one chunk at a time into `buffer` (reused:
 * each chunk is valid until the next is asked for); stops early if the file shrank. The file
 * is closed when the iteration ends or is abandoned.
 */
export async function* fileChunks(
  fsPath: string,
  range: FileChunksOptions,
): AsyncGenerator<Uint8Array> {
  const buf = range.buffer ?? new Uint8Array(Math.min(range.length, 65536) || 1);
  const file = await Deno.open(fsPath, { read: true });
  try {
    if (range.start > 0) await file.seek(range.start, Deno.SeekMode.Start);
    let left = range.length;
    while (left > 0) {
      const n = await file.read(left < buf.length ? buf.subarray(0, left) : buf);
      if (n === null) return;
      left -= n;
      yield buf.subarray(0, n);
    }
  } finally {
    file.close();
  }
}

/** The same bytes as a `ReadableStream` (each chunk its own buffer), for a `Response`. */
export function fileStream(
  fsPath: string,
  range: { readonly start: number; readonly length: number },
): ReadableStream<Uint8Array> {
  let it: AsyncGenerator<Uint8Array> | null = null;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      it ??= fileChunks(fsPath, range);
      const next = await it.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value.slice());
    },
    async cancel() {
      await it?.return(undefined);
    },
  });
}
