/** Bytes from a peer that break its protocol; closes that one connection with one log line. */
export class ProtocolError extends Error {
  /** Which protocol: `http`, `socks5`, ... */
  readonly protocol: string;

  constructor(protocol: string, problem: string) {
    super(`${protocol}: ${problem}`);
    this.name = "ProtocolError";
    this.protocol = protocol;
  }
}
