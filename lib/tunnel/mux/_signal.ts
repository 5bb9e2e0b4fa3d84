/** Wakes every waiter at once; waiters re-check their condition in a loop. */
export class Signal {
  #waiters: (() => void)[] = [];

  /** Resolves at the next `notify()`. */
  wait(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Wakes everyone waiting now. */
  notify(): void {
    if (this.#waiters.length === 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
