/**
 * Which side of a proxied connection caused an error, as pingora-error's `ErrorSource`: the
 * client (downstream), the upstream server, or the proxy itself (e.g. a header rule that
 * makes an invalid field).
 */
export type ErrorSource = "client" | "upstream" | "internal";

/** Options for {@link ProtocolError}. */
export interface ProtocolErrorOptions extends ErrorOptions {
  /** The side that broke the protocol. @default "client" */
  readonly source?: ErrorSource;
}

/**
 * Bytes from a peer that break its protocol (HTTP, SOCKS5, ...): the family of `HttpError`
 * and `Socks5Error`. Each knows which side caused it; each member maps to one answer in one
 * place (an HTTP status, a SOCKS5 reply code), and closes or answers that one connection with
 * one log line, never a stack trace.
 */
export class ProtocolError extends Error {
  /** Which protocol: `http`, `socks5`, ... */
  readonly protocol: string;
  /** The side that caused it. */
  readonly source: ErrorSource;

  /**
   * Creates the error.
   * @param protocol the protocol broken, e.g. `socks5`
   * @param message what was wrong, sentence case, no trailing period
   */
  constructor(protocol: string, message: string, options: ProtocolErrorOptions = {}) {
    super(message, options);
    this.name = "ProtocolError";
    this.protocol = protocol;
    this.source = options.source ?? "client";
  }
}
