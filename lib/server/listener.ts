import type { ListenerSpec } from "../config/listeners.ts";

/** What a listener reports in `/status`. */
export interface ListenerReport {
  /** Bound address, `host:port`. */
  readonly address: string;
  /** Connections (tcp) or sessions (udp) open now. */
  readonly open: number;
  /** Connections or sessions ever accepted. */
  readonly accepted: number;
  /** Anything else the kind reports: upstream health, counters. */
  readonly [key: string]: unknown;
}

/**
 * One entry of the listener pool. Only the supervisor calls these: bind (may throw), start,
 * update (same address, new settings), close (stop accepting), drain (wait for open work,
 * then force it closed).
 */
export interface Listener {
  /** Binds the socket; throws when the address cannot be had. */
  bind(): void;
  /** Starts accepting. */
  start(): void;
  /** New connections use `spec`'s settings from now on. */
  update(spec: ListenerSpec): void;
  /** Stops accepting; open connections continue. */
  close(): Promise<void>;
  /** Waits up to `timeoutMs` for open connections to end, then closes the rest. */
  drain(timeoutMs: number): Promise<void>;
  /** Connections or sessions open now. */
  readonly open: number;
  /** What `/status` shows. */
  report(): ListenerReport;
}
