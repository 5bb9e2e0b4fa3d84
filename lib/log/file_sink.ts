import { dirname, resolve } from "node:path";

/** Bytes buffered before a write is started at once. */
const FLUSH_BYTES = 64 * 1024;
/** The longest a line waits in the buffer. */
const FLUSH_MS = 250;
/** Lines are dropped (and counted) while this much waits behind a slow disk. */
const MAX_PENDING = 8 * 1024 * 1024;

const encoder = new TextEncoder();

/**
 * An append-only log file written in the background: `write()` only queues a line; a write
 * starts at 64 KiB or after 250 ms, one at a time, so the request path never waits on the
 * disk. Lines beyond 8 MiB queued behind a slow disk are dropped and counted.
 */
export class FileSink {
  /** The absolute file path. */
  readonly path: string;
  /** Lines dropped because the disk fell behind. */
  dropped = 0;
  // Lines are encoded at once into this buffer, so no string outlives its request.
  #buf = new Uint8Array(FLUSH_BYTES);
  #len = 0;
  #pending = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #writing: Promise<void> = Promise.resolve();
  #file: Deno.FsFile | null = null;
  #failed = false;

  /** @param path the file, relative to the working directory or absolute */
  constructor(path: string) {
    this.path = resolve(path);
  }

  /** Queues one line (a newline is added). */
  write(line: string): void {
    if (this.#pending > MAX_PENDING) {
      this.dropped++;
      return;
    }
    const text = line + "\n";
    let r = encoder.encodeInto(text, this.#buf.subarray(this.#len));
    if (r.read < text.length) {
      this.#start();
      // A line longer than the buffer gets a buffer of its own.
      if (text.length * 3 > this.#buf.length) this.#buf = new Uint8Array(text.length * 3);
      r = encoder.encodeInto(text, this.#buf);
    }
    this.#len += r.written;
    if (this.#len >= FLUSH_BYTES - 1024) this.#start();
    else if (this.#timer === undefined) {
      const timer = setTimeout(() => this.#start(), FLUSH_MS);
      Deno.unrefTimer(timer);
      this.#timer = timer;
    }
  }

  /** Writes everything queued so far; resolves once it is on disk (or failed). */
  flush(): Promise<void> {
    this.#start();
    return this.#writing;
  }

  #start(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#len === 0) return;
    const data = this.#buf.subarray(0, this.#len);
    this.#buf = new Uint8Array(FLUSH_BYTES);
    this.#len = 0;
    this.#pending += data.length;
    this.#writing = this.#writing.then(async () => {
      try {
        await this.#writeAll(data);
      } catch (e) {
        if (!this.#failed) console.error(`log file "${this.path}": ${(e as Error).message}`);
        this.#failed = true;
      } finally {
        this.#pending -= data.length;
      }
    });
  }

  async #writeAll(data: Uint8Array): Promise<void> {
    if (this.#file === null) {
      await Deno.mkdir(dirname(this.path), { recursive: true });
      this.#file = await Deno.open(this.path, { append: true, create: true });
    }
    for (let off = 0; off < data.length;) off += await this.#file.write(data.subarray(off));
    this.#failed = false;
  }
}

const sinks = new Map<string, FileSink>();

/** The one sink of `path` (shared by every listener and generation). */
export function fileSink(path: string): FileSink {
  const abs = resolve(path);
  let sink = sinks.get(abs);
  if (!sink) sinks.set(abs, sink = new FileSink(abs));
  return sink;
}

/** Writes out every sink's queued lines (on stop). */
export async function flushFileSinks(): Promise<void> {
  await Promise.all([...sinks.values()].map((s) => s.flush()));
}
