import { HeaderList } from "./headers.ts";
import { serializeResponseHead, withBody } from "./serialize.ts";
import { reasonPhrase } from "./status.ts";

const encoder = new TextEncoder();

/** Options for {@link errorResponse}. */
export interface ErrorResponseOptions {
  /** Send `Connection: close`. */
  readonly close: boolean;
  /** Leave the body out (the answer to a HEAD request). @default false */
  readonly bodyless?: boolean;
  /** More header fields. */
  readonly headers?: readonly (readonly [string, string])[];
}

/**
 * A complete error answer, head and body in one buffer (one write): the status line and a
 * short text body naming status and cause, e.g. `502 Bad Gateway: connect to ... refused`.
 */
export function errorResponse(
  status: number,
  message: string,
  options: ErrorResponseOptions,
): Uint8Array {
  const reason = reasonPhrase(status);
  const body = encoder.encode(`${status} ${reason}${message ? `: ${message}` : ""}\n`);
  const headers = new HeaderList([
    ["Content-Type", "text/plain; charset=utf-8"],
    ["Content-Length", String(body.length)],
    ...(options.headers ?? []),
  ]);
  if (options.close) headers.add("Connection", "close");
  const head = serializeResponseHead({ status, reason, headers });
  if (options.bodyless) return head;
  return withBody(head, body);
}
