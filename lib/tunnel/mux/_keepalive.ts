/**
 * Pings and the keepalive schedule of one session: a ping every `interval` ms; a peer from
 * which no frame of any kind arrived for `timeout` ms counts as dead.
 * @module
 */

/** What the keepalive needs from its session. */
export interface KeepaliveHost {
  /** Sends a ping request carrying `value`. */
  sendPing(value: number): void;
  /** When the last frame of any kind arrived (performance.now()). */
  lastFrameAt(): number;
  /** The peer is dead. */
  onDead(): void;
}

/** Outstanding pings and the keepalive timer. */
export class Keepalive {
  #host: KeepaliveHost;
  #interval: number;
  #timeout: number;
  #nextValue = 0;
  #pending = new Map<number, { sentAt: number; resolve: (rtt: number) => void }>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #deadlines = new Set<ReturnType<typeof setTimeout>>();
  #stopped = false;
  #rtt: number | null = null;

  /**
   * @param interval ms between keepalive pings; 0 disables them
   * @param timeout ms to wait for a sign of life after a ping
   */
  constructor(host: KeepaliveHost, times: { interval: number; timeout: number }) {
    this.#host = host;
    this.#interval = times.interval;
    this.#timeout = times.timeout;
    this.#schedule(this.#interval, () => this.#probe());
  }

  /** Round-trip time of the last answered ping in ms; null before the first. */
  get rtt(): number | null {
    return this.#rtt;
  }

  /** Sends a ping; resolves with its round-trip time in ms (never, if the session ends). */
  ping(): Promise<number> {
    const value = this.#nextValue;
    this.#nextValue = (this.#nextValue + 1) >>> 0;
    return new Promise((resolve) => {
      this.#pending.set(value, { sentAt: performance.now(), resolve });
      this.#host.sendPing(value);
    });
  }

  /** A ping reply arrived. */
  onPong(value: number): void {
    const entry = this.#pending.get(value);
    if (!entry) return;
    this.#pending.delete(value);
    this.#rtt = performance.now() - entry.sentAt;
    entry.resolve(this.#rtt);
  }

  /** Stops the timer; pending pings never resolve. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    for (const deadline of this.#deadlines) clearTimeout(deadline);
    this.#deadlines.clear();
    this.#pending.clear();
  }

  /**
   * A ping every `interval` ms (answered pings keep a live peer's frames coming), and a check
   * that the peer was heard from within `timeout`: a peer silent since its last frame is dead
   * exactly `timeout` after that frame, not up to an interval later.
   */
  #probe(): void {
    const now = performance.now();
    for (const [value, entry] of this.#pending) {
      if (now - entry.sentAt > this.#timeout) this.#pending.delete(value);
    }
    void this.ping();
    if (this.#expired()) return;
    const wait = this.#host.lastFrameAt() + this.#timeout - now;
    if (wait < this.#interval) {
      const deadline = setTimeout(() => {
        this.#deadlines.delete(deadline);
        this.#expired();
      }, Math.max(0, wait));
      this.#deadlines.add(deadline);
    }
    this.#schedule(this.#interval, () => this.#probe());
  }

  /** Whether the peer has been silent for `timeout`; if so, stops and reports it dead. */
  #expired(): boolean {
    if (this.#stopped) return true;
    if (performance.now() - this.#host.lastFrameAt() < this.#timeout) return false;
    this.stop();
    this.#host.onDead();
    return true;
  }

  #schedule(ms: number, run: () => void): void {
    if (this.#stopped || this.#interval <= 0) return;
    this.#timer = setTimeout(run, ms);
  }
}
