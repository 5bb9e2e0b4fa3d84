/** In-memory byte sources and sinks for driving the HTTP codecs without sockets. */
import { decoder, encoder } from "../_support/bytes.ts";
import type { ByteSource } from "../../lib/http/reader.ts";
import type { ByteSink } from "../../lib/net/write.ts";

/** Bytes of a string, or the bytes as given. */
export function bytes(data: string | Uint8Array): Uint8Array {
  return typeof data === "string" ? encoder.encode(data) : data;
}

/** A source handing out `chunks` one read at a time (split when a read asks for less). */
export class FakeSource implements ByteSource {
  readonly #chunks: Uint8Array[];
  readonly #hang: boolean;
  /** Reads served so far. */
  reads = 0;

  /**
   * @param chunks what each read returns, in order
   * @param hang after the chunks, never answer instead of reporting the end
   */
  constructor(chunks: (string | Uint8Array)[], hang = false) {
    this.#chunks = chunks.map(bytes);
    this.#hang = hang;
  }

  read(p: Uint8Array): Promise<number | null> {
    const next = this.#chunks.shift();
    if (next === undefined) return this.#hang ? new Promise(() => {}) : Promise.resolve(null);
    this.reads++;
    const n = Math.min(p.length, next.length);
    p.set(next.subarray(0, n));
    if (n < next.length) this.#chunks.unshift(next.subarray(n));
    return Promise.resolve(n);
  }
}

/** Splits text into one chunk per byte. */
export function byteByByte(text: string): string[] {
  return [...text];
}

/** A sink collecting everything written (in writes of at most `maxWrite` bytes). */
export class FakeSink implements ByteSink {
  readonly #parts: Uint8Array[] = [];
  readonly #maxWrite: number;

  constructor(maxWrite = Infinity) {
    this.#maxWrite = maxWrite;
  }

  write(p: Uint8Array): Promise<number> {
    const n = Math.min(p.length, this.#maxWrite);
    this.#parts.push(p.slice(0, n));
    return Promise.resolve(n);
  }

  /** Everything written, as bytes. */
  get bytes(): Uint8Array {
    const total = this.#parts.reduce((n, p) => n + p.length, 0);
    const out = new Uint8Array(total);
    let off = 0;
    for (const p of this.#parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  }

  /** Everything written, as text. */
  get text(): string {
    return decoder.decode(this.bytes);
  }
}
