/**
 * Links the {@link HealthRegistry} of each isolate (main and every Worker) over one
 * BroadcastChannel, so that a server marked down in one is down in all, a success that clears
 * it clears it everywhere, and main's active check results reach every Worker.
 * @module
 */
import type { HealthRegistry, SharedHealthState } from "../balancer/health.ts";
import { startTimer, stopTimer, type Timer } from "../net/timer.ts";

/** Options for {@link HealthLink}. */
export interface HealthLinkOptions {
  /** BroadcastChannel name; main and its Workers use the same, other pools another. */
  readonly channel: string;
  /**
   * Milliseconds changes are gathered before they go out in one message (the latest state of
   * each address wins), so a burst of failures costs one message. @default 10
   */
  readonly flushMs?: number;
  /**
   * Whether active checks run elsewhere (true in a Worker: main runs them); sets the
   * registry's `followsActive`. @default false
   */
  readonly followActive?: boolean;
}

type Message =
  | { readonly kind: "changes"; readonly states: readonly [string, SharedHealthState][] }
  | { readonly kind: "sync" };

/**
 * One isolate's end of the link. Sends the registry's changes (coalesced: at most one message
 * per `flushMs`) and applies those of the other ends, the later decision winning. A new end
 * asks the others for what they know (servers down, active results) so a Worker started late
 * starts informed. BroadcastChannel reaches the isolates of this process only. An open link
 * keeps the event loop alive: {@link close} it when the isolate stops.
 */
export class HealthLink {
  /** The channel's name. */
  readonly channel: string;
  readonly #registry: HealthRegistry;
  readonly #bc: BroadcastChannel;
  readonly #flushMs: number;
  #pending = new Map<string, SharedHealthState>();
  #timer: Timer = undefined;
  #closed = false;
  #sent = 0;
  #received = 0;

  /** Links `registry` (which must not be linked already) to the channel. */
  constructor(registry: HealthRegistry, options: HealthLinkOptions) {
    if (registry.onChange) throw new Error("the health registry is linked already");
    this.channel = options.channel;
    this.#registry = registry;
    this.#flushMs = options.flushMs ?? 10;
    this.#bc = new BroadcastChannel(options.channel);
    this.#bc.onmessage = (e: MessageEvent<Message>) => this.#receive(e.data);
    registry.followsActive = options.followActive ?? false;
    registry.onChange = (addr, state) => this.#queue(addr, state);
    this.#bc.postMessage({ kind: "sync" } satisfies Message);
  }

  /** Messages sent and received, for tests and `/status`. */
  get stats(): { sent: number; received: number } {
    return { sent: this.#sent, received: this.#received };
  }

  /** Sends what is pending and unlinks the registry. */
  close(): void {
    if (this.#closed) return;
    this.#flush();
    this.#closed = true;
    stopTimer(this.#timer);
    this.#registry.onChange = null;
    this.#registry.followsActive = false;
    this.#bc.close();
  }

  #queue(addr: string, state: SharedHealthState): void {
    if (this.#closed) return;
    this.#pending.set(addr, state);
    this.#timer ??= startTimer(() => this.#flush(), this.#flushMs);
  }

  #flush(): void {
    stopTimer(this.#timer);
    this.#timer = undefined;
    if (this.#closed || this.#pending.size === 0) return;
    const states = [...this.#pending];
    this.#pending = new Map();
    this.#sent++;
    this.#bc.postMessage({ kind: "changes", states } satisfies Message);
  }

  #receive(m: Message): void {
    if (this.#closed) return;
    this.#received++;
    if (m.kind === "changes") {
      for (const [addr, state] of m.states) this.#registry.applyRemote(addr, state);
      return;
    }
    // A new end: tell it what it cannot work out alone.
    const now = Date.now();
    for (const [addr, state] of this.#registry.entries()) {
      if (state.downUntil > now || state.active !== null) this.#queue(addr, state);
    }
  }
}
