import { type BodyLength, CHUNKED_BODY, NO_BODY } from "../http/body_length.ts";
import { HOP_BY_HOP } from "../http/connection.ts";
import { HeaderList } from "../http/headers.ts";
import type { RequestHead } from "../http/request_head.ts";
import type { ByteSink } from "../net/write.ts";

/** Request fields the phases get from us, never from the HTTP/2 request. */
const DROPPED: ReadonlySet<string> = new Set([
  ...HOP_BY_HOP,
  "host",
  "transfer-encoding",
  "expect",
  "http2-settings",
]);
/** Response bytes queued towards the HTTP/2 stream before the phases' writes wait. */
const RESPONSE_QUEUE = 256 * 1024;
const LAST_CHUNK = latin1("0\r\n\r\n");
const CRLF = latin1("\r\n");
const DIGITS = /^[0-9]{1,15}$/;
const NO_RESPONSE = latin1("502 Bad Gateway: no response\n");
const BAD_FIELD = latin1("500 Internal Server Error: invalid response field\n");

/**
 * The `Response`; a 500 when a field is one `Headers` refuses (the fields come from our strict
 * parser or checked header rules, so this is a safety net).
 */
function response(body: BodyInit | null, status: number, headers: StreamFields): Response {
  try {
    return new Response(body, { status, headers });
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    if (body instanceof ReadableStream) body.cancel().catch(() => {});
    return new Response(BAD_FIELD as BodyInit, { status: 500 });
  }
}

/** A string of code points below 256 as bytes. */
function latin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * How the phases answer an HTTP/2 stream: status, fields and body handed over as they are,
 * never as HTTP/1.1 bytes. The fields must be end-to-end ones (no `Connection`, no
 * `Transfer-Encoding`).
 */
export interface StreamReply {
  /** Where the body of a {@link stream} answer goes; takes empty writes in any case. */
  readonly sink: ByteSink;
  /** Answers with a whole body, or none (`null`: HEAD, 204, 304, or no body). */
  respond(status: number, headers: StreamFields, body: Uint8Array | null): void;
  /**
   * Answers with a body written afterwards to the returned sink, with backpressure (a write
   * waits while 256 KiB are queued towards the client). Closing the connection before
   * {@link end} resets the stream (a cut-short body never looks complete).
   */
  stream(status: number, headers: StreamFields): ByteSink;
  /** The body written to the {@link stream} sink is complete. */
  end(): void;
  /**
   * The answer will take a while (an upstream exchange): from now on, the client resetting
   * the stream or dropping the connection ends reads and cuts a streamed body off.
   */
  watch(): void;
}

/** Response fields for a {@link StreamReply}: `[name, value]` pairs, in order. */
export type StreamFields = [string, string][];

/**
 * `fields` as {@link StreamFields}, leaving out `Connection` (a field an HTTP/2 message
 * cannot carry). Pairs, not web `Headers`: `Response` copies them either way.
 */
export function streamFields(fields: HeaderList): StreamFields {
  const out: StreamFields = [];
  for (let i = 0; i < fields.size; i++) {
    if (fields.lowerName(i) !== "connection") out.push([fields.name(i), fields.value(i)]);
  }
  return out;
}

/**
 * One HTTP/2 stream as the phases serve it: its request as a {@link RequestHead} made from
 * the `Request` (Host from `:authority`, cookie fields as one joined with "; " as RFC 9113
 * §8.2.3 says for HTTP/1.1, no hop-by-hop fields), read as a connection that yields the request
 * body (chunked when its length is unknown, as the upstream gets it) and then waits until the
 * exchange is over or the client gives up on the stream; answered through
 * {@link StreamReply}, which becomes {@link response}.
 */
export class H2Stream implements StreamReply {
  readonly localAddr: Deno.NetAddr;
  readonly remoteAddr: Deno.NetAddr;
  /** The request as the phases see it (`HTTP/2.0`, origin-form target). */
  readonly head: RequestHead;
  /** The response the phases gave; a 502 when they gave none. */
  readonly response: Promise<Response>;
  readonly sink: ByteSink = { write: (p) => this.#writeBody(p) };
  readonly #request: Request;
  #resolve!: (response: Response) => void;
  #answered = false;
  /** Request body bytes not yet read (chunk framing around pieces). */
  #in: Uint8Array[] = [];
  #body: ReadableStreamDefaultReader<Uint8Array> | null;
  #chunked: boolean;
  /** Closed or given up: reads end. */
  #over = false;
  #overWaiters: (() => void)[] = [];
  #watching = false;
  #aborted = false;
  /** The streamed response body while open. */
  #controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  #room: (() => void) | null = null;

  /**
   * @param request the HTTP/2 request
   * @param addrs the connection's addresses
   */
  constructor(request: Request, addrs: { local: Deno.NetAddr; remote: Deno.NetAddr }) {
    this.localAddr = addrs.local;
    this.remoteAddr = addrs.remote;
    this.#request = request;
    this.response = new Promise((r) => this.#resolve = r);
    const url = request.url;
    const from = url.indexOf("//") + 2;
    const slash = url.indexOf("/", from);
    const authority = url.slice(from, slash < 0 ? url.length : slash);
    const target = slash < 0 ? "/" : url.slice(slash);
    const headers = new HeaderList();
    headers.addLower("host", "host", authority);
    const stream = request.body;
    let length: string | null = null;
    for (const [name, value] of request.headers) {
      // Deno's server already joins the crumbs of several cookie fields with "; ".
      if (name === "content-length") length = value;
      else if (!DROPPED.has(name)) headers.addLower(name, name, value);
    }
    let body: BodyLength = NO_BODY;
    if (stream !== null) {
      if (length !== null && DIGITS.test(length)) {
        headers.addLower("content-length", "content-length", length);
        body = { kind: "length", length: Number(length) };
      } else body = CHUNKED_BODY;
    }
    this.#body = stream?.getReader() ?? null;
    this.#chunked = body.kind === "chunked";
    this.head = {
      method: request.method,
      target,
      form: "origin",
      version: "HTTP/2.0",
      headers,
      body,
    };
  }

  /** The request body (chunked when its length is unknown); then waits for the end of the exchange. */
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
        // Only a slow exchange gets here (the client is watched for giving up).
        this.watch();
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

  /** HTTP/1.1 bytes: never for a stream (its answers go through {@link StreamReply}). */
  write(_p: Uint8Array): Promise<number> {
    return Promise.reject(new Deno.errors.BadResource("an HTTP/2 stream takes no HTTP/1.1 bytes"));
  }

  respond(status: number, headers: StreamFields, body: Uint8Array | null): void {
    if (this.#answered) return;
    this.#answered = true;
    this.#resolve(response(body as BodyInit | null, status, headers));
  }

  stream(status: number, headers: StreamFields): ByteSink {
    if (this.#answered) return this.sink;
    this.#answered = true;
    const body = new ReadableStream<Uint8Array>({
      start: (c) => {
        this.#controller = c;
      },
      pull: () => this.#wake(),
      cancel: () => this.#abort(),
    }, new ByteLengthQueuingStrategy({ highWaterMark: RESPONSE_QUEUE }));
    this.#resolve(response(body, status, headers));
    return this.sink;
  }

  end(): void {
    const c = this.#controller;
    this.#controller = null;
    c?.close();
    this.#wake();
    if (!this.#answered) {
      this.respond(502, [], NO_RESPONSE);
    }
  }

  watch(): void {
    if (this.#watching) return;
    this.#watching = true;
    // Deno's request.signal, first read after hyper saw the reset, never aborts (Deno 2.9.6),
    // hence a call before the wait rather than from the late watch of the exchange. Each read
    // costs about 10 % of a small answer's throughput: not for the streams answered at once.
    // deno.json opts in to "no-legacy-abort": it aborts on a reset or a lost connection,
    // not after every answer.
    const signal = this.#request.signal;
    if (signal.aborted) this.#abort();
    else signal.addEventListener("abort", () => this.#abort(), { once: true });
  }

  /** The answer is over: pending and later reads end. */
  closeWrite(): Promise<void> {
    this.#end();
    return Promise.resolve();
  }

  /**
   * Ends the exchange: reads end, the request body is dropped, and a streamed response body
   * not yet {@link end}ed is cut off (the client sees the stream reset).
   */
  close(): void {
    this.#end();
    this.#body?.cancel().catch(() => {});
    this.#body = null;
    const c = this.#controller;
    this.#controller = null;
    c?.error(new Deno.errors.BrokenPipe("response cut off"));
    this.#wake();
    if (!this.#answered) {
      this.respond(502, [], NO_RESPONSE);
    }
  }

  async #writeBody(p: Uint8Array): Promise<number> {
    if (p.length === 0) return 0;
    const c = this.#controller;
    if (this.#aborted) throw new Deno.errors.BrokenPipe("stream reset");
    if (c === null) throw new Deno.errors.BadResource("no response body open");
    c.enqueue(p.slice()); // the caller reuses its buffer
    if ((c.desiredSize ?? 1) <= 0) {
      await new Promise<void>((r) => this.#room = r);
      if (this.#aborted) throw new Deno.errors.BrokenPipe("stream reset");
      if (this.#controller === null) throw new Deno.errors.BadResource("response body closed");
    }
    return p.length;
  }

  #wake(): void {
    const r = this.#room;
    this.#room = null;
    r?.();
  }

  #end(): void {
    if (this.#over) return;
    this.#over = true;
    for (const w of this.#overWaiters.splice(0)) w();
  }

  /** The client gave up on the stream: body writes fail, reads end. */
  #abort(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.close();
  }
}
