import { copyBody } from "../http/body_copy.ts";
import { responseBodyLength } from "../http/body_length.ts";
import { HOP_BY_HOP } from "../http/connection.ts";
import { HttpReader } from "../http/reader.ts";
import { listTokens } from "../http/headers.ts";
import { parseResponseHead, type ResponseHead } from "../http/response_head.ts";

/** Request fields an HTTP/1.1 head gets from us, never from the HTTP/2 request. */
const DROPPED: ReadonlySet<string> = new Set([
  ...HOP_BY_HOP,
  "host",
  "transfer-encoding",
  "expect",
  "http2-settings",
]);
/** Statuses whose response has no body, whatever the head says. */
const NULL_BODY: ReadonlySet<number> = new Set([204, 205, 304]);
/** Response bytes queued towards the HTTP/2 stream before the phases' writes wait. */
const RESPONSE_QUEUE = 256 * 1024;
const LAST_CHUNK = latin1("0\r\n\r\n");
const CRLF = latin1("\r\n");

/** A string of code points below 256 as bytes (header values are ByteStrings). */
function latin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * One HTTP/2 stream seen as an HTTP/1.1 connection carrying one exchange, so the phases that
 * serve connections (route, access, limits, the actions, header rules, the log) serve it
 * unchanged: reading it yields the request as an HTTP/1.1 head (`Host` from `:authority`,
 * `Connection: close`, the body chunked unless its length is known) and then the body, as
 * the client sends it; what the phases write is parsed back as an HTTP/1.1 response and
 * becomes {@link response}, its body streamed to the client with backpressure (the phases'
 * writes wait while {@link RESPONSE_QUEUE} bytes are queued). After the request body, a
 * read waits until the connection is closed or half-closed (the answer is over) or the
 * client gives up on the stream, and then ends.
 */
export class H2StreamConn {
  readonly localAddr: Deno.NetAddr;
  readonly remoteAddr: Deno.NetAddr;
  /** The response the phases wrote, once its head is complete; a 502 when none came. */
  readonly response: Promise<Response>;
  readonly #method: string;
  /** Request bytes not yet read: the head, then body pieces. */
  #in: Uint8Array[];
  #body: ReadableStreamDefaultReader<Uint8Array> | null;
  #chunked: boolean;
  /** Closed, half-closed or given up: reads end. */
  #over = false;
  #overWaiters: (() => void)[] = [];
  // The write side: one pending write, taken by the response parser's reads.
  #out: Uint8Array | null = null;
  #outOff = 0;
  #outDone: ((n: number) => void) | null = null;
  #outFailed: ((e: Error) => void) | null = null;
  #wantOut: (() => void) | null = null;
  #aborted = false;

  /**
   * @param request the HTTP/2 request
   * @param addrs the connection's addresses
   */
  constructor(request: Request, addrs: { local: Deno.NetAddr; remote: Deno.NetAddr }) {
    this.localAddr = addrs.local;
    this.remoteAddr = addrs.remote;
    this.#method = request.method;
    const url = new URL(request.url);
    const length = request.headers.get("content-length");
    this.#body = request.body?.getReader() ?? null;
    this.#chunked = this.#body !== null && length === null;
    let head = `${request.method} ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n`;
    for (const [name, value] of request.headers) {
      if (DROPPED.has(name) || (name === "content-length" && this.#body === null)) continue;
      head += `${name}: ${value}\r\n`;
    }
    if (this.#chunked) head += "Transfer-Encoding: chunked\r\n";
    head += "Connection: close\r\n\r\n";
    this.#in = [latin1(head)];
    request.signal.addEventListener("abort", () => this.#abort(), { once: true });
    this.response = this.#parseResponse();
  }

  /** The request as HTTP/1.1: head, body; then waits for the end of the exchange. */
  async read(p: Uint8Array): Promise<number | null> {
    while (true) {
      if (this.#over) return null;
      const next = this.#in[0];
      if (next !== undefined) {
        const n = Math.min(p.length, next.length);
        p.set(next.subarray(0, n));
        if (n === next.length) this.#in.shift();
        else this.#in[0] = next.subarray(n);
        return n;
      }
      const body = this.#body;
      if (body === null) {
        await new Promise<void>((r) => this.#overWaiters.push(r));
        continue;
      }
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await body.read();
      } catch {
        this.#abort(); // the client reset the stream
        return null;
      }
      if (chunk.done) {
        this.#body = null;
        if (this.#chunked) this.#in.push(LAST_CHUNK);
      } else if (chunk.value.length > 0) {
        if (this.#chunked) this.#in.push(latin1(`${chunk.value.length.toString(16)}\r\n`));
        this.#in.push(chunk.value);
        if (this.#chunked) this.#in.push(CRLF);
      }
    }
  }

  /** Response bytes from the phases: taken by the parser as the HTTP/2 stream makes room. */
  write(p: Uint8Array): Promise<number> {
    if (this.#aborted) return Promise.reject(new Deno.errors.BrokenPipe("stream reset"));
    if (this.#over) return Promise.reject(new Deno.errors.BadResource("closed"));
    if (p.length === 0) return Promise.resolve(0);
    return new Promise((resolve, reject) => {
      this.#out = p;
      this.#outOff = 0;
      this.#outDone = resolve;
      this.#outFailed = reject;
      this.#wakeOut();
    });
  }

  /** The answer is over: pending and later reads end, the parser sees the end of stream. */
  closeWrite(): Promise<void> {
    this.#end();
    return Promise.resolve();
  }

  /** Ends the exchange (reads end, the parser sees the end of stream). */
  close(): void {
    this.#end();
    this.#body?.cancel().catch(() => {});
    this.#body = null;
  }

  #end(): void {
    if (this.#over) return;
    this.#over = true;
    for (const w of this.#overWaiters.splice(0)) w();
    this.#wakeOut();
  }

  /** The client gave up on the stream: writes fail, reads end. */
  #abort(): void {
    this.#aborted = true;
    const fail = this.#outFailed;
    this.#out = null;
    this.#outDone = this.#outFailed = null;
    fail?.(new Deno.errors.BrokenPipe("stream reset"));
    this.close();
  }

  #wakeOut(): void {
    const w = this.#wantOut;
    this.#wantOut = null;
    w?.();
  }

  /** The response parser's source: the pending write's bytes; 0 at the end. */
  async #readOut(p: Uint8Array): Promise<number> {
    while (this.#out === null) {
      if (this.#over || this.#aborted) return 0;
      await new Promise<void>((r) => this.#wantOut = r);
    }
    const out = this.#out;
    const n = Math.min(p.length, out.length - this.#outOff);
    p.set(out.subarray(this.#outOff, this.#outOff + n));
    this.#outOff += n;
    if (this.#outOff === out.length) {
      const done = this.#outDone!;
      this.#out = null;
      this.#outDone = this.#outFailed = null;
      done(out.length);
    }
    return n;
  }

  async #parseResponse(): Promise<Response> {
    const reader = new HttpReader({ read: (p) => this.#readOut(p) });
    let head: ResponseHead;
    try {
      while (true) {
        const raw = await reader.readHead("response");
        if (raw === null) {
          reader.release();
          return new Response("502 Bad Gateway: no response\n", { status: 502 });
        }
        head = parseResponseHead(raw);
        if (head.status >= 200) break; // a 1xx is not passed on
      }
    } catch {
      reader.release();
      return new Response("502 Bad Gateway: broken response\n", { status: 502 });
    }
    const headers = new Headers();
    const fields = head.headers;
    const named = fields.has("connection") ? listTokens(fields, "connection") : null;
    for (let i = 0; i < fields.size; i++) {
      const lower = fields.lowerName(i);
      if (HOP_BY_HOP.has(lower) || lower === "transfer-encoding") continue;
      if (named !== null && named.includes(lower)) continue;
      headers.append(lower, fields.value(i));
    }
    const length = responseBodyLength(head, this.#method);
    if (length.kind === "none" || NULL_BODY.has(head.status)) {
      reader.release();
      this.#drain();
      return new Response(null, { status: head.status, headers });
    }
    const body = this.#bodyStream(reader, length);
    return new Response(body, { status: head.status, headers });
  }

  /** The response body, decoded from its HTTP/1.1 framing, as the client pulls it. */
  #bodyStream(
    reader: HttpReader,
    length: ReturnType<typeof responseBodyLength>,
  ): ReadableStream<Uint8Array> {
    let room: (() => void) | null = null;
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const stream = new ReadableStream<Uint8Array>({
      start: (c) => {
        controller = c;
      },
      pull: () => {
        const r = room;
        room = null;
        r?.();
      },
      cancel: () => {
        this.#abort();
        const r = room;
        room = null;
        r?.();
      },
    }, new ByteLengthQueuingStrategy({ highWaterMark: RESPONSE_QUEUE }));
    const sink = {
      write: async (p: Uint8Array): Promise<number> => {
        if (this.#aborted) throw new Deno.errors.BrokenPipe("stream reset");
        controller.enqueue(p.slice());
        if ((controller.desiredSize ?? 1) <= 0) await new Promise<void>((r) => room = r);
        return p.length;
      },
    };
    copyBody(reader, sink, { length, dechunk: true, status: 502 }).then(
      () => {
        if (!this.#aborted) controller.close();
      },
      (e) => {
        if (!this.#aborted) controller.error(e);
      },
    ).finally(() => {
      reader.release();
      this.#drain();
    });
    return stream;
  }

  /** Takes whatever the phases still write (nothing should come), so no write hangs. */
  async #drain(): Promise<void> {
    const p = new Uint8Array(4096);
    while ((await this.#readOut(p)) > 0) { /* dropped */ }
  }
}
