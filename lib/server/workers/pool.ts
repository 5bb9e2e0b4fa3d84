/**
 * The worker isolates of a running instance (`workers > 1`) and the main isolate's own
 * supervisor, moved from one generation to the next together: every part applies it, or every
 * part that did goes back to the previous one.
 * @module
 */
import { diffListeners, type ListenerDiff, listenerSpecs } from "../../config/listeners.ts";
import type { Config } from "../../config/schema.ts";
import { log } from "../../log/logger.ts";
import { parseAddress } from "../../net/address.ts";
import { assertPortFree } from "../../net/exclusive.ts";
import { BindError } from "../errors.ts";
import type { OwnPorts } from "../own_ports.ts";
import type { ListenerStatus, Supervisor } from "../supervisor.ts";
import type { TestAction, WorkerLog, WorkerStatus } from "./protocol.ts";
import { exportSharedState, type SharedState } from "../../shared_state/shared_state.ts";
import { mergeReports } from "./merge_status.ts";
import { type FamilySnapshot, mergeSnapshots } from "../../metrics/registry.ts";
import { isSpreadable } from "./spread.ts";
import { WorkerHandle, WorkerRequestError } from "./worker_handle.ts";

/** How a {@link WorkerPool} starts its workers. */
export interface WorkerPoolOptions {
  /** Worker isolates to run (2 or more). */
  readonly count: number;
  /** The main isolate's supervisor, running the listeners that are not spread. */
  readonly main: Supervisor;
  /** The main isolate's port registry. */
  readonly ownPorts: OwnPorts;
  /** Logging in each worker. */
  readonly log: WorkerLog;
  /** As {@link SupervisorOptions}.configDir. */
  readonly configDir?: string;
  /** As {@link SupervisorOptions}.fileServer. @default false */
  readonly fileServer?: boolean;
  /** The hidden test hooks answer. @default false */
  readonly testHooks?: boolean;
}

/** A worker as `/status` shows it (its listeners are summed into the instance's). */
export type WorkerSummary = Omit<WorkerStatus, "listeners"> & {
  /** Which start this is: 1, 2, ... over every worker of the instance (a replacement's is new). */
  readonly instance: number;
  /** Times a worker with this id was recycled. */
  readonly recycles: number;
  /** An old worker replaced by a recycle, draining (it accepts no more). */
  readonly retiring?: true;
};

const logger = log("server");
/**
 * A recycled worker closes each socket once no connection has come for this long: with
 * `net.ipv4.tcp_migrate_req` = 0, what is queued on it then is reset (docs "Recycling workers").
 */
const RECYCLE_SWEEP_MS = 1;

/** The main isolate's supervisor and N workers, applying each generation as one transaction. */
export class WorkerPool {
  readonly #options: WorkerPoolOptions;
  /** What the workers share for the committed generation (zone buffers, health channel). */
  #shared: SharedState | undefined;
  #workers: WorkerHandle[] = [];
  #config: Config | undefined;
  #generation = 0;
  #queue: Promise<unknown> = Promise.resolve();
  #stopping = false;
  /** Each worker's start number, for `/status`. */
  #instances = new Map<WorkerHandle, number>();
  #started = 0;
  /** Recycles done, by worker id. */
  #recycles = new Map<number, number>();
  /** Workers that asked to be recycled, until they are gone. */
  #recycling = new Set<WorkerHandle>();
  /** Old workers replaced by a recycle, draining. */
  #retiring = new Set<WorkerHandle>();
  /** Each worker's families as its last `/metrics` scrape saw them. */
  #lastMetrics = new Map<WorkerHandle, FamilySnapshot[]>();
  /** The counters of workers that have ended, summed (see {@link metrics}). */
  #carried: FamilySnapshot[] = [];
  /** One recycle at a time: the next one starts when the previous old worker has stopped. */
  #recycleQueue: Promise<void> = Promise.resolve();

  private constructor(options: WorkerPoolOptions) {
    this.#options = options;
  }

  /** Starts the workers; {@link apply} gives them their first generation. */
  static async start(options: WorkerPoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(options);
    const ids = Array.from({ length: options.count }, (_, i) => i);
    pool.#workers = await Promise.all(ids.map((id) => pool.#spawn(id)));
    return pool;
  }

  /** The committed generation: every part runs it. */
  get generation(): number {
    return this.#generation;
  }

  /** What applying `config` would change, over every part. */
  diff(config: Config): ListenerDiff {
    return diffListeners(this.#config ? listenerSpecs(this.#config) : [], listenerSpecs(config));
  }

  /**
   * Applies `config` in the main isolate and in every worker; when any part fails, the parts
   * that applied it go back to the previous generation and the error is thrown. Resolves once
   * every part runs it.
   */
  apply(config: Config): Promise<ListenerDiff> {
    return this.#serial(() => this.#apply(config));
  }

  async #apply(config: Config): Promise<ListenerDiff> {
    const prev = this.#config;
    const diff = this.diff(config);
    if (!config.share_ports) this.#probe(config);
    const next = this.#generation + 1;
    // Zones whose spec stays keep their buffers; new or changed ones get new buffers.
    const shared = sharedFor(config);
    const parts: Promise<unknown>[] = [
      this.#options.main.apply(config),
      ...this.#workers.map((w) => w.ask({ type: "apply", config, generation: next, shared })),
    ];
    const results = await Promise.allSettled(parts);
    const failed = results.findIndex((r) => r.status === "rejected");
    if (failed >= 0) {
      if (prev) {
        await Promise.allSettled(results.map((r, i) => {
          if (r.status === "rejected") return undefined;
          return i === 0 ? this.#options.main.apply(prev) : this.#workers[i - 1].ask({
            type: "apply",
            config: prev,
            generation: this.#generation,
            shared: sharedFor(prev),
          });
        }));
      }
      const reason = (results[failed] as PromiseRejectedResult).reason;
      if (failed === 0 || reason instanceof WorkerRequestError) throw reason;
      const id = this.#workers[failed - 1].id;
      throw new WorkerRequestError(id, "WorkerDied", `worker ${id}: ${reason.message}`);
    }
    this.#config = config;
    this.#shared = shared;
    this.#generation = next;
    this.publishPorts();
    logger.info(
      "generation {generation}: {added} added, {removed} removed, {changed} changed ({n} workers)",
      {
        generation: next,
        added: diff.added.length,
        removed: diff.removed.length,
        changed: diff.changed.length,
        n: this.#workers.length,
      },
    );
    return diff;
  }

  /** A new TCP address must not be held by another process (the workers skip this probe). */
  #probe(config: Config): void {
    const held = new Set<number>();
    for (const s of this.#config ? listenerSpecs(this.#config) : []) {
      if (s.transport === "tcp") held.add(s.port);
    }
    for (const spec of listenerSpecs(config).filter(isSpreadable)) {
      const addr = parseAddress(spec.bind_addr);
      if (!addr || held.has(addr.port)) continue;
      try {
        assertPortFree(addr.hostname, addr.port);
      } catch (e) {
        throw new BindError(spec.name, spec.bind_addr, e);
      }
    }
  }

  /** Tells the workers the main isolate's ports, and the main isolate the workers'. */
  publishPorts(): void {
    const spread = this.#config ? listenerSpecs(this.#config).filter(isSpreadable) : [];
    this.#options.ownPorts.setSiblings(spread.map((s) => s.port).filter((p) => p > 0));
    const ports = this.#options.ownPorts.own();
    for (const w of this.#workers) w.ask({ type: "ports", ports }).catch(() => {});
  }

  /** New logging in every worker. */
  async relog(next: WorkerLog): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.ask({ type: "log", log: next })));
  }

  /** The main isolate's listeners, the workers' summed per address, and each worker. */
  async status(): Promise<ReturnType<Supervisor["status"]> & { workers: WorkerSummary[] }> {
    const main = this.#options.main.status();
    const asked = [...this.#workers, ...this.#retiring];
    const replies = await Promise.all(asked.map(async (w) => {
      const s = await w.ask<WorkerStatus>({ type: "status" }).catch(() => null);
      if (s === null) return null;
      const summary = {
        ...s,
        instance: this.#instances.get(w) ?? 0,
        recycles: this.#recycles.get(w.id) ?? 0,
      };
      return this.#retiring.has(w) ? { ...summary, retiring: true as const } : summary;
    }));
    const workers = replies.filter((r) => r !== null);
    const byKey = new Map<string, Record<string, unknown>[]>();
    for (const w of workers) {
      for (const l of w.listeners) {
        const key = l.key as string;
        byKey.set(key, [...(byKey.get(key) ?? []), l]);
      }
    }
    const spread = [...byKey.values()].map((r) => mergeReports(r)) as unknown as ListenerStatus[];
    return {
      ...main,
      listeners: [...main.listeners, ...spread],
      open_connections: main.open_connections + workers.reduce((n, w) => n + w.open, 0),
      draining: main.draining + workers.reduce((n, w) => n + w.draining, 0),
      workers: workers.map(({ listeners: _, ...summary }) => summary),
    };
  }

  /**
   * Each worker's `/metrics` families (retiring ones included; a dead one left out), and the
   * counters of the workers that have ended (recycled or died), so a sum over the workers
   * never goes down.
   */
  async metrics(): Promise<FamilySnapshot[][]> {
    const asked = [...this.#workers, ...this.#retiring];
    const carried = this.#carried;
    const replies = await Promise.all(asked.map(async (w) => {
      const r = await w.ask<FamilySnapshot[]>({ type: "metrics" }).catch(() => null);
      // Not for a worker that ended meanwhile: its counters are carried already.
      if (r !== null && (this.#workers.includes(w) || this.#retiring.has(w))) {
        this.#lastMetrics.set(w, r);
      }
      return r;
    }));
    return [...replies.filter((r) => r !== null), carried];
  }

  /**
   * Worker `w` ends: its counters (`last`, else those of its last scrape) are carried over.
   * Gauges are not: what it had open is gone with it.
   */
  #carry(w: WorkerHandle, last?: FamilySnapshot[] | null): void {
    const final = last ?? this.#lastMetrics.get(w);
    this.#lastMetrics.delete(w);
    if (!final) return;
    this.#carried = mergeSnapshots([this.#carried, final.filter((f) => f.type !== "gauge")]);
  }

  /** Worker isolates running now. */
  get count(): number {
    return this.#workers.length;
  }

  /** Makes worker `id` do what a hidden test hook asks. */
  async test(id: number, action: TestAction): Promise<void> {
    const w = this.#workers.find((x) => x.id === id);
    if (!w) throw new Error(`no worker ${id}`);
    await w.ask({ type: "test", action });
  }

  /** Stops accepting everywhere and drains every part for up to `timeoutMs`. */
  async stop(timeoutMs: number): Promise<void> {
    this.#stopping = true;
    await Promise.all([
      this.#options.main.stop(timeoutMs),
      ...[...this.#workers, ...this.#retiring].map(async (w) => {
        await w.ask({ type: "stop", timeoutMs }).catch(() => {});
        w.terminate();
      }),
    ]);
  }

  async #spawn(id: number): Promise<WorkerHandle> {
    const o = this.#options;
    const handle = await WorkerHandle.start({
      id,
      log: o.log,
      configDir: o.configDir,
      fileServer: o.fileServer,
      testHooks: o.testHooks,
    });
    handle.onDeath = (error) => this.#replace(handle, error);
    handle.onRecycle = (reason) => this.#recycle(handle, reason);
    this.#instances.set(handle, ++this.#started);
    return handle;
  }

  /**
   * A worker passed `worker_max_requests` or `worker_max_rss`: a replacement with its id binds
   * its sockets and takes the committed generation first (serialised with reloads), then the
   * old one stops accepting, drains for up to `shutdown_timeout` and ends. One at a time.
   */
  #recycle(old: WorkerHandle, reason: string): void {
    if (this.#stopping || this.#recycling.has(old)) return;
    this.#recycling.add(old);
    const run = this.#recycleQueue.then(() => this.#recycleNow(old, reason));
    this.#recycleQueue = run.catch((e) => {
      logger.error("worker {id} could not be recycled: {message}", {
        id: old.id,
        message: (e as Error).message,
      });
    }).finally(() => this.#recycling.delete(old));
  }

  async #recycleNow(old: WorkerHandle, reason: string): Promise<void> {
    const fresh = await this.#serial(async () => {
      if (this.#stopping || old.dead || !this.#workers.includes(old)) return undefined;
      logger.info("worker {id} is recycled ({reason}): starting its replacement", {
        id: old.id,
        reason,
      });
      const fresh = await this.#startReplacement(old.id);
      this.#workers = this.#workers.map((w) => w === old ? fresh : w);
      this.#retiring.add(old);
      this.#recycles.set(old.id, (this.#recycles.get(old.id) ?? 0) + 1);
      this.publishPorts();
      return fresh;
    });
    if (!fresh) return;
    const timeoutMs = (this.#config?.shutdown_timeout ?? 30) * 1000;
    logger.info("worker {id}: the replacement accepts; the old one stops accepting and drains", {
      id: old.id,
    });
    try {
      await old.ask({ type: "stop", timeoutMs, sweepMs: RECYCLE_SWEEP_MS }).catch(() => {});
      const last = await old.ask<FamilySnapshot[]>({ type: "metrics" }).catch(() => null);
      this.#carry(old, last);
    } finally {
      this.#carry(old);
      old.terminate();
      this.#retiring.delete(old);
      this.#instances.delete(old);
    }
    logger.info("worker {id}: the old one has drained and ended", { id: old.id });
  }

  /**
   * A new worker with number `id` running the committed generation (its sockets bound);
   * terminated again if the pool stops meanwhile or the generation cannot be applied.
   */
  async #startReplacement(id: number): Promise<WorkerHandle> {
    const fresh = await this.#spawn(id);
    try {
      if (this.#stopping) throw new Error("stopping");
      if (this.#config) {
        await fresh.ask({
          type: "apply",
          config: this.#config,
          generation: this.#generation,
          shared: this.#shared ?? sharedFor(this.#config),
        });
      }
    } catch (e) {
      fresh.terminate();
      throw e;
    }
    return fresh;
  }

  /** A worker died: a new one with its number takes its place and the committed generation. */
  #replace(dead: WorkerHandle, error: Error): void {
    if (this.#stopping) return;
    this.#carry(dead);
    if (!this.#workers.includes(dead)) {
      // An old worker draining after a recycle, or a replacement not yet in place.
      logger.error("worker {id} died while {state}: {message}", {
        id: dead.id,
        state: this.#retiring.has(dead) ? "draining" : "starting",
        message: error.message,
      });
      return;
    }
    logger.error("worker {id} died: {message}; starting a replacement", {
      id: dead.id,
      message: error.message,
    });
    this.#serial(async () => {
      if (this.#stopping) return;
      const fresh = await this.#startReplacement(dead.id);
      this.#workers = this.#workers.map((w) => w === dead ? fresh : w);
      this.#instances.delete(dead);
      this.publishPorts();
      logger.info("worker {id} replaced", { id: dead.id });
    }).catch((e) => {
      if (this.#stopping) return;
      logger.error("worker {id} could not be replaced: {message}", {
        id: dead.id,
        message: (e as Error).message,
      });
    });
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => {});
    return run;
  }
}

/** The state every worker shares for `config`: its `limit_req` zones and the health channel. */
function sharedFor(config: Config): SharedState {
  return exportSharedState(Object.values(config.http?.limit_req_zone ?? {}));
}
