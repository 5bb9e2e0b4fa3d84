/** What a balancer needs to know of a server. */
export interface Weighted {
  readonly addr: string;
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
