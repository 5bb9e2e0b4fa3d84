/**
 * One multiplexed stream: the subset of `Deno.Conn` a relay uses (read, write with
 * backpressure, closeWrite, close), over a {@link MuxSession}.
 * @module
 */
import type { MuxStreamStats, StreamCore } from "./_stream_core.ts";

export type { MuxStreamStats } from "./_stream_core.ts";

/** A bidirectional byte stream inside a mux session. */
export class MuxStream {
  #core: StreamCore;

  /** Made by {@link MuxSession.open} and {@link MuxSession.accept} only. */
  constructor(core: StreamCore) {
    this.#core = core;
  }

  /** The stream id (odd: opened by the client side; even: by the server side). */
  get id(): number {
    return this.#core.id;
  }

  /** Buffered bytes and windows right now. */
  get stats(): MuxStreamStats {
    return this.#core.stats;
  }

  /**
   * Reads into `buf`.
   * @returns bytes read, or null once the peer half-closed and everything was read
   * @throws {MuxError} when the stream was reset or closed, or the session ended
   */
  read(buf: Uint8Array): Promise<number | null> {
    return this.#core.read(buf);
  }

  /**
   * Reads without lending a buffer while nothing arrives: `take()` is called for one only once
   * bytes are there (at most once per read), and they are placed at its start. An idle stream
   * read this way holds no buffer (see `relay`).
   * @returns bytes read, or null once the peer half-closed and everything was read
   * @throws {MuxError} as {@link read}
   */
  readLazy(take: () => Uint8Array): Promise<number | null> {
    return this.#core.readLazy(take);
  }

  /**
   * Writes every byte, waiting for send window as the peer reads (backpressure). `bytes` is
   * not copied: it must stay unchanged until the promise resolves.
   * @returns `bytes.length`
   * @throws {MuxError} when the stream was reset or closed for writing, or the session ended
   */
  write(bytes: Uint8Array): Promise<number> {
    return this.#core.write(bytes);
  }

  /** Half-closes: sends FIN after pending writes; reading goes on. */
  closeWrite(): Promise<void> {
    return this.#core.closeWrite();
  }

  /**
   * Closes both halves. Like TCP: when the peer finished and everything was read this ends
   * gracefully (FIN if not sent yet), otherwise it resets the stream (RST).
   */
  close(): void {
    this.#core.close();
  }
}
