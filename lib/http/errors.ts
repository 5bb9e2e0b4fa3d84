/**
 * A message that breaks HTTP/1.1 (RFC 9112), with the status to answer it with: 400 for a
 * malformed request, 414/431 for heads over the limits, 502 for a bad upstream response.
 */
export class HttpError extends Error {
  /** The status code the peer should get (when an answer is still possible). */
  readonly status: number;

  /**
   * Creates the error.
   * @param status the status code to answer with
   * @param message what was wrong, sentence case, no trailing period
   */
  constructor(status: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "HttpError";
    this.status = status;
  }
}
