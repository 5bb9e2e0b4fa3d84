import type { ByteSink } from "./write.ts";

/** Options for {@link PacedSink}. */
export interface PacedSinkOptions {
  /** Called after each slice written (to count as progress for stall watchdogs). */
  readonly onProgress?: () => void;
}

/**
 * A sink that passes writes on in slices of about a tenth of a second's worth, sleeping
 * between them so the average since the first byte stays at `bytesPerSecond` (wmproxy's
 * `rate_limit`). Sleeping is the feature here: the copy loop waits, so the reader behind it
 * stops reading and backpressure reaches the upstream.
 */
export class PacedSink implements ByteSink {
  readonly #dst: ByteSink;
  readonly #rate: number;
  readonly #slice: number;
  readonly #onProgress: (() => void) | undefined;
  #start = -1;
  #sent = 0;

  /**
   * @param dst where bytes go
   * @param bytesPerSecond the average rate, above 0
   * @param options progress callback
   */
  constructor(dst: ByteSink, bytesPerSecond: number, options: PacedSinkOptions = {}) {
    this.#dst = dst;
    this.#rate = bytesPerSecond;
    this.#slice = Math.max(256, Math.min(16 * 1024, Math.floor(bytesPerSecond / 10)));
    this.#onProgress = options.onProgress;
  }

  /** Writes up to one slice of `p`, after waiting until it is due. */
  async write(p: Uint8Array): Promise<number> {
    const now = performance.now();
    if (this.#start < 0) this.#start = now;
    const due = this.#start + (this.#sent / this.#rate) * 1000;
    if (due > now) await new Promise((resolve) => setTimeout(resolve, due - now));
    const n = await this.#dst.write(p.subarray(0, this.#slice));
    this.#sent += n;
    this.#onProgress?.();
    return n;
  }
}
