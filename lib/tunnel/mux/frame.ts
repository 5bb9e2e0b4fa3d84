/**
 * The yamux frame header (HashiCorp's spec, version 0): 12 bytes, big endian — version (8 bits),
 * type (8), flags (16), stream id (32), length (32). Encoding writes into a caller's buffer so
 * the write loop allocates nothing per frame; decoding validates everything a header alone can
 * show and throws {@link MuxProtocolError}.
 * @module
 */
import {
  type ErrorSource,
  ProtocolError,
  type ProtocolErrorOptions,
} from "../../net/protocol_error.ts";

/** The only protocol version there is. */
export const MUX_VERSION = 0;
/** Bytes in a frame header. */
export const FRAME_HEADER_SIZE = 12;
/** Every stream starts with this receive window in both directions (spec: 256 KiB). */
export const INITIAL_STREAM_WINDOW: number = 256 * 1024;

/**
 * How far the tunnel's ends let a bulk stream's receive window grow (see `maxStreamWindow`):
 * at 256 KiB a loopback transfer waits for window updates (iperf3 through the tunnel, TLS
 * off: 4.4 Gbit/s at 256 KiB, 4.3–4.9 at 1 MiB, 5.7 at 2 MiB, 6.6 at 4 MiB, 6.8 at 8 MiB).
 */
export const TUNNEL_MAX_STREAM_WINDOW: number = 4 * 1024 * 1024;
/** The largest value a 32-bit length or window may hold. */
export const MAX_UINT32 = 0xffff_ffff;

/** Frame types. */
export const FrameType = {
  /** Stream bytes; the length says how many follow the header. */
  DATA: 0,
  /** Adds the length to the sender's send window of the stream. */
  WINDOW_UPDATE: 1,
  /** Heartbeat and RTT probe on stream 0; the length is an opaque value echoed back. */
  PING: 2,
  /** Ends the session (or announces it ends) on stream 0; the length is a code. */
  GO_AWAY: 3,
} as const;
/** A frame type code. */
export type FrameTypeCode = typeof FrameType[keyof typeof FrameType];

/** Frame flags (bits of the 16-bit field). */
export const FrameFlag = {
  /** Opens a stream (or marks a ping as a request). */
  SYN: 0x1,
  /** Accepts a stream (or marks a ping as the reply). */
  ACK: 0x2,
  /** Half-closes the stream: the sender sends no more data. */
  FIN: 0x4,
  /** Resets the stream at once. */
  RST: 0x8,
} as const;
const KNOWN_FLAGS = 0xf;

/** Go-away codes. */
export const GoAwayCode = {
  /** A graceful go-away: no new streams, open ones finish. */
  NORMAL: 0,
  /** The sender saw the receiver break the protocol. */
  PROTOCOL_ERROR: 1,
  /** The sender failed on its own. */
  INTERNAL_ERROR: 2,
} as const;

/** One decoded (or to be encoded) frame header. */
export interface FrameHeader {
  /** The frame type. */
  readonly type: FrameTypeCode;
  /** Bitwise OR of {@link FrameFlag} values. */
  readonly flags: number;
  /** The stream, 0 for the session (ping, go-away). */
  readonly streamId: number;
  /** Payload bytes (data), window delta, ping value or go-away code. */
  readonly length: number;
}

/** Bytes from the peer that break the yamux protocol; it closes that session only. */
export class MuxProtocolError extends ProtocolError {
  /**
   * Creates the error.
   * @param problem what was wrong, e.g. `unknown frame type 7`
   */
  constructor(problem: string, options: ProtocolErrorOptions = {}) {
    super("yamux", `yamux: ${problem}`, options);
    this.name = "MuxProtocolError";
  }
}

/** Writes `header` into the first 12 bytes of `out`. */
export function encodeFrameHeader(header: FrameHeader, out: Uint8Array): void {
  out[0] = MUX_VERSION;
  out[1] = header.type;
  out[2] = header.flags >>> 8;
  out[3] = header.flags & 0xff;
  writeUint32(out, 4, header.streamId);
  writeUint32(out, 8, header.length);
}

/**
 * Reads the header in the first 12 bytes of `bytes`.
 * @param source which side sent it, for the error
 * @throws {MuxProtocolError} on an unknown version, type or flag, or a session frame (ping,
 * go-away) on a stream other than 0, or a stream frame on stream 0
 */
export function decodeFrameHeader(bytes: Uint8Array, source: ErrorSource = "client"): FrameHeader {
  if (bytes.length < FRAME_HEADER_SIZE) {
    throw new MuxProtocolError(`a frame header needs 12 bytes, got ${bytes.length}`, { source });
  }
  if (bytes[0] !== MUX_VERSION) {
    throw new MuxProtocolError(`unsupported version ${bytes[0]}`, { source });
  }
  const type = bytes[1];
  if (type > FrameType.GO_AWAY) {
    throw new MuxProtocolError(`unknown frame type ${type}`, { source });
  }
  const flags = (bytes[2] << 8) | bytes[3];
  if ((flags & ~KNOWN_FLAGS) !== 0) {
    throw new MuxProtocolError(`unknown flags 0x${flags.toString(16)}`, { source });
  }
  const streamId = readUint32(bytes, 4);
  const length = readUint32(bytes, 8);
  const sessionFrame = type === FrameType.PING || type === FrameType.GO_AWAY;
  if (sessionFrame && streamId !== 0) {
    throw new MuxProtocolError(`frame type ${type} on stream ${streamId} (must be 0)`, { source });
  }
  if (!sessionFrame && streamId === 0) {
    throw new MuxProtocolError(`frame type ${type} on stream 0`, { source });
  }
  return { type: type as FrameTypeCode, flags, streamId, length };
}

function writeUint32(out: Uint8Array, at: number, value: number): void {
  out[at] = value >>> 24;
  out[at + 1] = (value >>> 16) & 0xff;
  out[at + 2] = (value >>> 8) & 0xff;
  out[at + 3] = value & 0xff;
}

function readUint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) >>> 0) + (bytes[at + 1] << 16) + (bytes[at + 2] << 8) + bytes[at + 3];
}
