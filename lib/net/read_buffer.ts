import { COPY_BUFFER_SIZE, releaseBuffer, takeBuffer } from "./buffer_pool.ts";

/** Size of the buffer a quiet direction waits for data with. */
export const SMALL_READ_SIZE = 2 * 1024;

/** Options for {@link AdaptiveBuffer}. */
export interface AdaptiveBufferOptions {
  /**
   * Keep a small buffer of its own for quiet times. False for a source that lends no buffer
   * while it waits (`readLazy` of a tunnel stream): {@link AdaptiveBuffer.current} then takes a
   * pooled buffer for each read that has bytes, given back after a read of less than a quarter
   * of it, so an idle direction holds none. @default true
   */
  readonly small?: boolean;
}

/**
 * A read buffer that is small while a direction is quiet and a pooled copy buffer while data
 * streams. A read that fills the small buffer switches to a pooled {@link COPY_BUFFER_SIZE}
 * buffer for the next read; a read that returns less than a quarter of that gives it back to
 * the pool. An idle connection (the read pending with nothing to come) so holds only
 * {@link SMALL_READ_SIZE} bytes per direction instead of a whole copy buffer.
 *
 * Use: read into {@link current}, use the bytes, then call {@link update} with the count
 * (after the bytes were written: it may hand the buffer to another connection), and
 * {@link release} when done.
 */
export class AdaptiveBuffer {
  #small: Uint8Array | undefined;
  #big: Uint8Array | undefined;
  readonly #waitSmall: boolean;

  constructor(options: AdaptiveBufferOptions = {}) {
    this.#waitSmall = options.small ?? true;
  }

  /** The buffer to read into next. */
  get current(): Uint8Array {
    return this.#big ??
      (this.#waitSmall
        ? (this.#small ??= new Uint8Array(SMALL_READ_SIZE))
        : this.#big = takeBuffer());
  }

  /** Records that the last read into {@link current} returned `n` bytes (already used). */
  update(n: number): void {
    if (this.#big === undefined) {
      if (n >= SMALL_READ_SIZE) this.#big = takeBuffer();
    } else if (n < COPY_BUFFER_SIZE / 4) {
      releaseBuffer(this.#big);
      this.#big = undefined;
    }
  }

  /** Gives a pooled buffer back; the object can still be used (it starts small again). */
  release(): void {
    if (this.#big !== undefined) releaseBuffer(this.#big);
    this.#big = undefined;
  }
}
