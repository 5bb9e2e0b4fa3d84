/**
 * The loads of the `ws` case.
 * @module
 */

/** One load: message size and connections. */
export interface WsLoad {
  /** Row label. */
  label: string;
  /** Bytes per message. */
  size: number;
  /** Concurrent connections. */
  connections: number;
}

/** Small messages (per-message cost) and large ones (throughput), 4 connections each. */
export const WS_LOADS: readonly WsLoad[] = [
  { label: "64 B ×4 conns", size: 64, connections: 4 },
  { label: "16 KiB ×4 conns", size: 16 * 1024, connections: 4 },
];
