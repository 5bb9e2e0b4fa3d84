/**
 * Shared shapes of the benchmark harness: what a case is, what it is given, what it returns.
 * @module
 */

/** Whether a larger or a smaller measured value is the better one. */
export type Better = "higher" | "lower";

/**
 * A command-line tool a case depends on; the Debian package that provides it comes from
 * `.ci/packages.txt`.
 */
export interface Tool {
  /** Name looked up with `command -v`, and in `.ci/packages.txt`. */
  command: string;
  /** Arguments that make the tool print its version, e.g. `["-v"]`. */
  versionArgs: readonly string[];
  /** Which printed line is the version (socat's first line is a banner). @default the first */
  versionLine?: RegExp;
  /**
   * A command line to run instead of `command versionArgs...`, for a tool that cannot print
   * its version (microsocks only prints its usage, and starts serving without arguments).
   * @default none
   */
  versionCommand?: readonly string[];
}

/** One line of a result table: one kind of work, measured on the peer and on ours. */
export interface Row {
  /** What was measured and in which unit, e.g. `wrk -t1 -c50 rps`. */
  work: string;
  /** Name of the program compared against, e.g. `haproxy 2.6`. */
  peer: string;
  /** The peer's value (the best of its samples), or null when every attempt failed. */
  peerValue: number | null;
  /** Our value (the best of our samples), or null when every attempt failed. */
  ours: number | null;
  /** ours/peer when higher is better, peer/ours when lower is better: above 1 means ours wins. */
  ratio: number | null;
  /** Which direction is better for this work. */
  better: Better;
  /** Unit of `peerValue` and `ours`. */
  unit: string;
  /** Every sample taken, in the order they were taken. */
  samples: { peer: number[]; ours: number[] };
  /** Why samples are missing or suspect (errors, socket errors, non-2xx answers). */
  notes: string[];
}

/** What the runner hands to a case. */
export interface CaseOptions {
  /** Seconds of each measured load run (`BENCH_DURATION`). @default 10 */
  durationSeconds: number;
  /** How many times each side is measured, alternating peer and ours (`BENCH_ROUNDS`). @default 2 */
  rounds: number;
  /** Commands of `Tool`s that are installed; a case skips the sides whose tools are missing. */
  available: ReadonlySet<string>;
  /** Progress output, one line per call. */
  log: (line: string) => void;
}

/** A benchmark case: a name the runner selects it by, its tools, and how to run it. */
export interface BenchCase {
  /** Name used on the command line and for `bench/results/<name>.json`. */
  name: string;
  /** One sentence on what is compared against what. */
  description: string;
  /** Tools the case needs; the runner installs or reports missing ones before `run`. */
  tools: readonly Tool[];
  /** Runs the case; a failing side yields rows with null values and notes, never a throw. */
  run(options: CaseOptions): Promise<Row[]>;
}
