/**
 * HTTP/2 on a TLS connection this process accepted itself (after ALPN chose `h2`).
 *
 * Deno 2.9 has no public API for it: `Deno.serve` owns its listener, and `node:http2`
 * crashed the process under load (denoland/deno#36788, not catchable). The runtime's
 * `Deno.serve` is built on an internal, `serveHttpOnConnection(conn, signal, handler,
 * onError, onListen)`, which serves one accepted connection with the same hyper server
 * (HTTP/2 when the connection negotiated it). This module is the one place that relies on it
 * (re-check when upgrading Deno): when it is missing, {@link http2Supported} says so and
 * {@link serveHttp2} throws {@link Http2UnavailableError}.
 * @module
 */

import { ProtocolError } from "./protocol_error.ts";

/** A request handler, as `Deno.serve` takes. */
export type Http2Handler = (request: Request) => Response | Promise<Response>;

/** Options for {@link serveHttp2}. */
export interface ServeHttp2Options {
  /** Aborting it shuts the connection down gracefully (GOAWAY, open streams finish). */
  readonly signal: AbortSignal;
  /** Called when the handler throws; the stream gets a 500. @default logs nothing */
  readonly onError?: (error: unknown) => void;
}

/**
 * The client broke HTTP/2 on the connection (a frame the protocol forbids, bytes that are no
 * frame, a flood of resets), or ended it with an error code: the server answered with GOAWAY
 * and closed it. Hyper says no more than that (Deno passes its error on as "http2 error").
 */
export class Http2ProtocolError extends ProtocolError {
  constructor(options?: ErrorOptions) {
    super("http2", "HTTP/2 protocol error; connection closed", options);
    this.name = "Http2ProtocolError";
  }
}

/** The runtime lacks the internal HTTP/2 entry point this module relies on. */
export class Http2UnavailableError extends Error {
  constructor() {
    super(
      "HTTP/2 is not available in this Deno version (its internal serveHttpOnConnection is " +
        "gone); set http2 = false on the bind_ssl servers",
    );
    this.name = "Http2UnavailableError";
  }
}

type ServeOnConnection = (
  conn: Deno.Conn,
  signal: AbortSignal,
  handler: Http2Handler,
  onError: (error: unknown) => Response,
  onListen: (scheme: string) => void,
) => { finished: Promise<void> };

function internalServe(): ServeOnConnection | null {
  const deno = Deno as unknown as Record<symbol | string, unknown>;
  const key = deno.internal;
  if (typeof key !== "symbol" && typeof key !== "string") return null;
  const internal = deno[key] as Record<string, unknown> | undefined;
  const fn = internal?.serveHttpOnConnection;
  return typeof fn === "function" ? fn as ServeOnConnection : null;
}

const SERVE = internalServe();
const INTERNAL_ERROR = "500 Internal Server Error\n";

/** Whether this runtime can serve HTTP/2 on an accepted connection. */
export function http2Supported(): boolean {
  return SERVE !== null;
}

/**
 * Serves HTTP/2 on `conn` (a TLS connection whose handshake chose `h2`, not a byte read from
 * it yet): every stream is a `Request` given to `handler`, its `Response` streamed back.
 * Resolves when the connection is over; rejects with {@link Http2ProtocolError} when the
 * client broke the protocol, `Deno.errors.ConnectionReset` when its connection failed. Throws
 * {@link Http2UnavailableError} when the runtime lacks the entry point.
 */
export function serveHttp2(
  conn: Deno.Conn,
  handler: Http2Handler,
  options: ServeHttp2Options,
): Promise<void> {
  if (SERVE === null) throw new Http2UnavailableError();
  const onError = (e: unknown): Response => {
    options.onError?.(e);
    return new Response(INTERNAL_ERROR, { status: 500 });
  };
  return SERVE(conn, options.signal, handler, onError, () => {}).finished.catch(failed);
}

/**
 * Why a connection failed, from what hyper says through Deno: its `Http2` kind ("http2
 * error": an HTTP/2 error on the connection, GOAWAY sent or received) becomes an
 * {@link Http2ProtocolError}; its `Io` kind ("connection error": the client reset or dropped
 * the socket) a `Deno.errors.ConnectionReset`; anything else stays as it was.
 */
function failed(e: unknown): never {
  if (isHttpError(e) && /\bhttp2 error\b/.test(e.message)) {
    throw new Http2ProtocolError({ cause: e });
  }
  if (isHttpError(e) && /\bconnection error\b/.test(e.message)) {
    throw new Deno.errors.ConnectionReset("the client's connection failed", { cause: e });
  }
  throw e;
}

/** Whether `e` is one of hyper's errors as Deno passes them on (`Deno.errors.Http`). */
export function isHttpError(e: unknown): e is Error {
  return e instanceof Deno.errors.Http || (e as Error)?.name === "Http";
}
