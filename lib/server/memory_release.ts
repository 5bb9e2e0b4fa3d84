/**
 * Gives memory back to the system after a burst of connections has closed.
 *
 * What a burst leaves behind is garbage in the V8 heap (connection objects, and the copy
 * buffers beyond the pool's bound, whose bytes glibc malloc holds) that V8 collects only when
 * it next needs room, which an idle process may never do; and free pages that glibc keeps in
 * its heaps (freed between blocks still in use, so never trimmed from the top). Measured with
 * 3000 connections that each relayed 256 KiB: RSS stayed at 3.6× its start for 25 s; V8's own
 * GC then brought it to 3.0× (the V8 heap shrank, glibc kept the freed buffers' pages); a full
 * GC followed by glibc's `malloc_trim(0)` brings it back to 1.0× within 100 ms.
 *
 * So a watch samples the number of open client connections every {@link RELEASE_INTERVAL_MS};
 * once it has dropped by at least {@link RELEASE_MIN_DROP} and to half its high-water mark or
 * less, and stayed there for one more sample, it runs a full GC and then `malloc_trim(0)`. That
 * is at most one release per two samples, and none while the count holds or grows: nothing runs
 * on a connection's path but two integer updates (lib/net/conn_gauge.ts). A GC pauses the
 * process for some tens of ms, which a process that just lost half its connections can afford.
 *
 * Both steps are optional: the GC needs `node:v8`'s `setFlagsFromString` (no permission);
 * `malloc_trim` needs glibc on Linux and the `ffi` permission (`-A` has it). When either is
 * missing the release does what it can and says so once at debug level.
 * @module
 */
import { errorText, log } from "../log/logger.ts";
import { openClients, takeClientPeak } from "../net/conn_gauge.ts";

/** How often the watch samples the open-connection count (ms). */
export const RELEASE_INTERVAL_MS = 2000;
/** Connections that must have closed since the high-water mark before memory is released. */
export const RELEASE_MIN_DROP = 256;
/** Wait between the GC and the trim (ms): V8 frees buffer memory on background threads. */
const SWEEP_WAIT_MS = 100;

const logger = log("server", "memory");

/**
 * Decides, one sample at a time, when a release is due: the open-connection count fell by at
 * least `minDrop` from its high-water mark and to at most half of it, on two samples in a row.
 * A release resets the mark to the count then.
 */
export class DropWatch {
  readonly #minDrop: number;
  #high = 0;
  #wasDown = false;

  /** @param minDrop connections that must have closed since the high-water mark */
  constructor(minDrop: number = RELEASE_MIN_DROP) {
    this.#minDrop = minDrop;
  }

  /**
   * Takes the count now and the most that were open at once since the last sample; true when
   * memory should be released.
   */
  sample(open: number, peak: number = open): boolean {
    this.#high = Math.max(this.#high, peak, open);
    const down = this.#high - open >= this.#minDrop && open <= this.#high / 2;
    const due = down && this.#wasDown;
    this.#wasDown = down && !due;
    if (due) this.#high = open;
    return due;
  }
}

/** A running watch from {@link watchMemory}. */
export interface MemoryWatch {
  /** Stops sampling. */
  stop(): void;
}

/** Settings of {@link watchMemory}. */
export interface MemoryWatchOptions {
  /** Sampling period in ms. @default RELEASE_INTERVAL_MS (2000) */
  intervalMs?: number;
  /** Connections that must have closed before a release. @default RELEASE_MIN_DROP (256) */
  minDrop?: number;
}

/**
 * Samples the process's client connections (lib/net/conn_gauge.ts: open now, and the most
 * open at once since the last sample, so a burst between two samples counts) and calls
 * {@link releaseMemory} after a large drop (see {@link DropWatch}). The timer does not keep
 * the process alive.
 */
export function watchMemory(options: MemoryWatchOptions = {}): MemoryWatch {
  const watch = new DropWatch(options.minDrop ?? RELEASE_MIN_DROP);
  let releasing = false;
  const timer = setInterval(() => {
    const due = watch.sample(openClients(), takeClientPeak());
    if (!due || releasing) return;
    releasing = true;
    releaseMemory().finally(() => releasing = false);
  }, options.intervalMs ?? RELEASE_INTERVAL_MS);
  Deno.unrefTimer(timer);
  return { stop: () => clearInterval(timer) };
}

/** What one {@link releaseMemory} did. */
export interface ReleaseReport {
  /** Whether a full GC ran. */
  readonly gc: boolean;
  /** Whether `malloc_trim` ran. */
  readonly trimmed: boolean;
  /** Resident memory before and after, in bytes. */
  readonly rssBefore: number;
  readonly rssAfter: number;
}

/** Runs a full GC, waits for V8's sweepers, then has glibc return its free pages. */
export async function releaseMemory(): Promise<ReleaseReport> {
  const rssBefore = Deno.memoryUsage().rss;
  const gc = await fullGc();
  if (gc) {
    gc();
    await new Promise((r) => setTimeout(r, SWEEP_WAIT_MS));
  }
  const trim = mallocTrim();
  trim?.();
  const rssAfter = Deno.memoryUsage().rss;
  logger.info("released memory: RSS {before} MiB -> {after} MiB (gc {gc}, malloc_trim {trim})", {
    before: mib(rssBefore),
    after: mib(rssAfter),
    gc: gc !== null,
    trim: trim !== null,
  });
  return { gc: gc !== null, trimmed: trim !== null, rssBefore, rssAfter };
}

let gcFn: (() => void) | null | undefined;
let trimFn: (() => void) | null | undefined;

/**
 * V8's `gc()`, exposed on first use; null when this runtime cannot expose it. The Node modules
 * are loaded only then: loading them at start would cost every process about 8 MiB.
 */
async function fullGc(): Promise<(() => void) | null> {
  if (gcFn !== undefined) return gcFn;
  try {
    const { setFlagsFromString } = await import("node:v8");
    const { runInNewContext } = await import("node:vm");
    setFlagsFromString("--expose-gc");
    const gc: unknown = runInNewContext("gc");
    if (typeof gc !== "function") throw new Error("gc() is not exposed");
    gcFn = gc as () => void;
  } catch (e) {
    logger.debug("memory release runs without a full GC: {error}", { error: errorText(e) });
    gcFn = null;
  }
  return gcFn;
}

/** glibc's `malloc_trim(0)` through FFI, opened on first use; null when unavailable. */
function mallocTrim(): (() => void) | null {
  if (trimFn !== undefined) return trimFn;
  trimFn = null;
  try {
    if (Deno.build.os !== "linux") throw new Error(`not on Linux (${Deno.build.os})`);
    // Asked first so that a run without the permission never prompts for it.
    if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") {
      throw new Error("no ffi permission");
    }
    const libc = Deno.dlopen("libc.so.6", {
      malloc_trim: { parameters: ["usize"], result: "i32" },
    });
    trimFn = () => void libc.symbols.malloc_trim(0n);
  } catch (e) {
    logger.debug("memory release runs without malloc_trim: {error}", { error: errorText(e) });
  }
  return trimFn;
}

function mib(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}
