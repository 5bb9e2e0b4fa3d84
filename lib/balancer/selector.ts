/** What a balancer needs to know of a server. */
export interface Weighted {
  /** The server's `host:port`. */
  readonly addr: string;
  /** Relative share of picks. */
  readonly weight: number;
}

/** Picks the next server among those allowed; built from an immutable list of servers. */
export interface Selector<T extends Weighted> {
  /**
   * The next server to try, skipping those in `exclude` and those `eligible` rejects;
   * undefined when none is left.
   */
  next(exclude?: ReadonlySet<T>, eligible?: (server: T) => boolean): T | undefined;
}
