import type { BodyLength } from "../body_length.ts";
import type { HttpReader } from "../reader.ts";
import type { RequestHead } from "../request_head.ts";
import type { ResponseHead } from "../response_head.ts";
import type { ByteSink } from "../../net/write.ts";

/** What the exchange needs of a request: its head and the client connection it came on. */
export interface ExchangeContext {
  /** The request head, as parsed. */
  readonly head: RequestHead;
  /** The client connection: its socket and its reader (which holds any unread body bytes). */
  readonly client: { readonly conn: Deno.Conn; readonly reader: HttpReader };
}

/** What the exchange needs of an upstream connection. */
export interface ExchangeUpstream {
  /** Where the request goes. */
  readonly conn: ByteSink;
  /** Reads the response. */
  readonly reader: HttpReader;
  /** `host:port`, for messages. */
  readonly address: string;
  /** Closes the socket only, so pending reads and writes end. */
  abort(): void;
}

/** The response as received and how it goes to the client. */
export interface ResponseInfo {
  /** The final (non-1xx) response head. */
  readonly response: ResponseHead;
  /** Its bytes, as received; valid until the upstream reader reads again. */
  readonly raw: Uint8Array;
  /** How its body is delimited. */
  readonly length: BodyLength;
  /** The client connection stays open after it. */
  readonly keep: boolean;
  /** The body is chunked and the client (HTTP/1.0) gets the data alone. */
  readonly dechunk: boolean;
}

/**
 * What differs between the proxies that share the exchange: one object per engine (never
 * per request), its methods taking the engine's request context `X` and upstream `U`.
 */
export interface ExchangeHooks<X extends ExchangeContext, U extends ExchangeUpstream> {
  /**
   * The retry policy: whether the request may be sent again, fresh, when `up` turns out
   * closed before any response byte (`bodySent`: the whole request, body included, was in
   * the bytes sent).
   */
  resendable(x: X, up: U, bodySent: boolean): boolean;
  /** The request head is sent: arm the stall watch while the response is awaited. */
  awaiting(x: X, up: U, bodySent: boolean): void;
  /**
   * Whether the stall watch fired while the response was awaited: the message of the 504
   * answer (`headStarted`: bytes of a head had arrived), else null.
   */
  stalled(x: X, up: U, headStarted: boolean): string | null;
  /** A final response head arrived from `up`. */
  received(x: X, up: U, response: ResponseHead): void;
  /** `up` failed to answer (closed, broke the head, timed out): passive health. */
  upstreamFailed(x: X, up: U): void;
  /** The request body was copied upstream in full. */
  bodyCopied(x: X): void;
  /**
   * The bytes that start the response to the client: its head (rewritten or passed as is),
   * followed by `body` when not null. Throws `HttpError` when the head cannot be made; the
   * exchange then fails with its status before anything reached the client.
   */
  responseStart(x: X, info: ResponseInfo, body: Uint8Array | null): Uint8Array;
  /** The response starts going out: re-arm the watch; returns where its bytes go. */
  responding(x: X): ByteSink;
  /** The exchange is over, however it ended: stop watching. */
  ended(x: X): void;
  /** The exchange failed before any response reached the client: record or log `message`. */
  failed(x: X, status: number, message: string): void;
  /**
   * Answers the failure with an error page (`bodyRead`: the request body was read in full,
   * so the connection may go on); returns whether the client connection stays open.
   */
  answer(x: X, status: number, message: string, bodyRead: boolean): Promise<boolean>;
  /**
   * Answers the failure with an error page while the request body is still coming: the
   * connection closes after it (`answerClosing` in exchange.ts writes it as HTTP/1.1).
   */
  answerClosing(x: X, status: number, message: string): Promise<void>;
  /**
   * Relaying broke: `e` is an `HttpError` when the upstream broke the response, else the
   * client went away (`started`: after the final response head, else while passing a 1xx).
   */
  relayFailed(x: X, up: U, e: unknown, started: boolean): void;
  /** The response with `status` was relayed, or broken off after its head. */
  relayed(x: X, status: number): void;
  /** Hands `up` back: pooled or kept when `keep`, else closed. */
  release(x: X, up: U, keep: boolean): void;
}
