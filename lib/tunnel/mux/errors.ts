/**
 * Errors a mux session or stream raises on its own account (the peer's protocol violations are
 * {@link MuxProtocolError} in frame.ts).
 * @module
 */

/** Why an operation on a session or stream failed. */
export type MuxErrorKind =
  /** The peer reset the stream (or refused it). */
  | "reset"
  /** This side closed the stream (or its write half) already. */
  | "closed"
  /** The session is closed; `cause` says why when it was not a local close. */
  | "session_closed"
  /** A go-away was sent or received: no new streams. */
  | "go_away"
  /** `maxStreams` streams are open already. */
  | "stream_limit"
  /** Every stream id of this side was used. */
  | "ids_exhausted"
  /** The peer did not answer a keepalive ping in time. */
  | "keepalive_timeout"
  /** The peer ended the session with an error go-away. */
  | "remote_error"
  /** The underlying connection failed. */
  | "transport";

/** A failed session or stream operation. */
export class MuxError extends Error {
  /** What happened. */
  readonly kind: MuxErrorKind;

  /**
   * Creates the error.
   * @param kind what happened
   * @param message sentence case, no trailing period
   */
  constructor(kind: MuxErrorKind, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "MuxError";
    this.kind = kind;
  }
}
