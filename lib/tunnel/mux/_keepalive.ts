/**
 * Pings and the keepalive schedule of one session: a ping every `interval` ms; when neither
 * its reply nor any other frame arrived within `timeout` ms, the peer counts as dead.
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
   * A ping every `interval` ms, each with its own deadline, so a peer silent for `timeout` is
   * seen at most `interval` later (not only after the previous deadline, up to 2 × timeout).
   */
  #probe(): void {
    const sentAt = performance.now();
    const value = this.#nextValue;
    let answered = false;
    this.ping().then(() => answered = true);
    const deadline = setTimeout(() => {
      this.#deadlines.delete(deadline);
      this.#pending.delete(value);
      if (this.#stopped || answered || this.#host.lastFrameAt() >= sentAt) return;
      this.stop();
      this.#host.onDead();
    }, this.#timeout);
    this.#deadlines.add(deadline);
    this.#schedule(this.#interval, () => this.#probe());
  }

  #schedule(ms: number, run: () => void): void {
    if (this.#stopped || this.#interval <= 0) return;
    this.#timer = setTimeout(run, ms);
  }
}
