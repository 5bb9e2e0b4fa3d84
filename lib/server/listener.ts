import type { ListenerSpec } from "../config/listeners.ts";
import type { TcpSlot } from "./tcp_slot.ts";

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
  /**
   * Settles when what `start()` set going has finished, e.g. closing a socket handed over by a
   * predecessor that this listener does not use. A reload waits for it. @default settled
   */
  started?(): Promise<void>;
  /**
   * New connections use `spec`'s settings from now on. Returns false when `spec` is of
   * another kind, which this listener cannot serve.
   */
  update(spec: ListenerSpec): boolean;
  /**
   * TCP listeners: gives the bound socket to a successor of another kind at the same address
   * (so no queued connection is lost); this listener then only drains, `close()` keeps the
   * socket open.
   */
  handOver?(): TcpSlot;
  /**
   * Whether taking `spec` needs a socket of its own, bound before this one is retired: a TLS
   * listener whose certificates changed (Deno caches a socket's certificate per SNI name).
   * @default false
   */
  needsRebind?(spec: ListenerSpec): boolean;
  /**
   * Stops accepting; open connections continue. A TCP listener given `sweepMs` first keeps
   * accepting until none has come for that long, so fewer queued connections are reset
   * ({@link TcpSlot.close}); the others ignore it.
   */
  close(sweepMs?: number): Promise<void>;
  /** Waits up to `timeoutMs` for open connections to end, then closes the rest. */
  drain(timeoutMs: number): Promise<void>;
  /** Connections or sessions open now. */
  readonly open: number;
  /** What `/status` shows. */
  report(): ListenerReport;
}
