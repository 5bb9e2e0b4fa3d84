import { ConnectError } from "../net/connect.ts";
import {
  type ErrorSource,
  ProtocolError,
  type ProtocolErrorOptions,
} from "../net/protocol_error.ts";

/**
 * A message that breaks HTTP/1.1 (RFC 9112), with the status to answer it with: 400 for a
 * malformed request, 414/431 for heads over the limits, 505 for an unsupported version (all
 * caused by the client), 502 for a bad upstream response (the upstream), 500 for a field the
 * proxy itself could not make (internal).
 */
export class HttpError extends ProtocolError {
  /** The status code the peer should get (when an answer is still possible). */
  readonly status: number;

  /**
   * Creates the error.
   * @param status the status code to answer with
   * @param message what was wrong, sentence case, no trailing period
   * @param options the cause; `source` defaults to the side the status points at
   */
  constructor(status: number, message: string, options: ProtocolErrorOptions = {}) {
    super("http", message, { cause: options.cause, source: options.source ?? sourceOf(status) });
    this.name = "HttpError";
    this.status = status;
  }
}

/** The side a status code blames: 500 the proxy, 502/504 the upstream, any other the client. */
function sourceOf(status: number): ErrorSource {
  if (status === 500) return "internal";
  if (status === 502 || status === 504) return "upstream";
  return "client";
}

/**
 * The one place an error becomes the status a proxy answers with: an {@link HttpError} its
 * own status, a connect that timed out 504 (as nginx does), a target the policy refuses 403,
 * any other failed connect 502.
 */
export function errorStatus(e: HttpError | ConnectError): number {
  if (e instanceof ConnectError) {
    return e.kind === "timeout" ? 504 : e.kind === "denied" ? 403 : 502;
  }
  return e.status;
}
