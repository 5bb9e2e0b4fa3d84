import { ProtocolError, type ProtocolErrorOptions } from "../protocol_error.ts";

/**
 * A PROXY protocol header (HAProxy's spec, v1 or v2) that is missing, truncated or malformed.
 * The caller closes the connection with one log line.
 */
export class ProxyProtocolError extends ProtocolError {
  /**
   * Creates the error.
   * @param problem what was wrong, e.g. `unknown v2 command 0x3`
   * @param options which side sent it (default the client)
   */
  constructor(problem: string, options: ProtocolErrorOptions = {}) {
    super("proxy-protocol", `proxy-protocol: ${problem}`, options);
    this.name = "ProxyProtocolError";
  }
}
