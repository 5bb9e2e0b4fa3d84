// Constants of the wire format (HAProxy's proxy-protocol.txt).

/** The v2 signature: 12 bytes no v1 line or HTTP request can start with. */
export const V2_SIGNATURE: Uint8Array = new Uint8Array([
  0x0d,
  0x0a,
  0x0d,
  0x0a,
  0x00,
  0x0d,
  0x0a,
  0x51,
  0x55,
  0x49,
  0x54,
  0x0a,
]);
/** "PROXY ": how a v1 line starts. */
export const V1_PREFIX: Uint8Array = new TextEncoder().encode("PROXY ");
/** The longest v1 line, CRLF included. */
export const V1_MAX_LENGTH = 107;
/** Signature, version/command, family/transport, length. */
export const V2_FIXED_LENGTH = 16;

/** v2 version nibble (high) of byte 12. */
export const V2_VERSION = 0x2;
/** v2 commands (low nibble of byte 12). */
export const V2_LOCAL = 0x0;
export const V2_PROXY = 0x1;
/** v2 address families (high nibble of byte 13) and their address block sizes. */
export const AF_UNSPEC = 0x0;
export const AF_INET = 0x1;
export const AF_INET6 = 0x2;
export const AF_UNIX = 0x3;
export const ADDRESS_LENGTH: Readonly<Record<number, number>> = {
  [AF_UNSPEC]: 0,
  [AF_INET]: 12,
  [AF_INET6]: 36,
  [AF_UNIX]: 216,
};
/** v2 transports (low nibble of byte 13). */
export const TRANSPORT_UNSPEC = 0x0;
export const TRANSPORT_STREAM = 0x1;
export const TRANSPORT_DGRAM = 0x2;
