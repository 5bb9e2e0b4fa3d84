/**
 * The entry module of a worker isolate: a {@link Supervisor} that runs the spreadable
 * listeners of each generation the main isolate hands it, with its own `reusePort` sockets.
 * @module
 */
import type { Config } from "../../config/schema.ts";
import { flushFileSinks } from "../../log/file_sink.ts";
import { log } from "../../log/logger.ts";
import { closeLogging, setupLogging } from "../../log/setup.ts";
import { servedCount, whenServed } from "../../net/conn_gauge.ts";
import { closeTurns, openTurns } from "../../net/turns.ts";
import { BindError } from "../errors.ts";
import { OwnPorts } from "../own_ports.ts";
import { Supervisor } from "../supervisor.ts";
import type {
  WorkerInit,
  WorkerLog,
  WorkerReply,
  WorkerRequest,
  WorkerStatus,
} from "./protocol.ts";
import { HealthRegistry } from "../../balancer/health.ts";
import {
  type HealthLink,
  importSharedState,
  linkHealth,
  type SharedState,
} from "../../shared_state/shared_state.ts";
import { isSpreadable } from "./spread.ts";
import { REGISTRY } from "../../metrics/families.ts";

interface WorkerScope {
  onmessage: ((e: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
}

const scope = globalThis as unknown as WorkerScope;
const logger = log("worker");
/** How often a worker with `worker_max_rss` compares its memory with it. */
const MEMORY_CHECK_MS = 1000;

let id = -1;
let supervisor: Supervisor;
let ownPorts: OwnPorts;
let generation = 0;
let logSetup: WorkerLog | undefined;
let testHooks = false;
let failNextApply = false;
/** The recycle limits' memory check, while `worker_max_rss` is set. */
let memoryTimer: ReturnType<typeof setInterval> | undefined;
/** Set once this worker has asked to be recycled (it asks once). */
let recycleAsked = false;
/** Upstream health, shared with the other workers through {@link link}. */
const health = new HealthRegistry();
let link: HealthLink | undefined;

// An uncaught error ends this worker: the main isolate logs it in one line and replaces the
// worker (the runtime would otherwise print the error and its stack on its own).
globalThis.addEventListener("error", (e) => {
  e.preventDefault();
  fatal(e.error ?? e.message);
});
globalThis.addEventListener("unhandledrejection", (e) => {
  e.preventDefault();
  fatal(e.reason);
});

scope.onmessage = (e: MessageEvent) => {
  const msg = e.data as WorkerInit | WorkerRequest;
  if (msg.type === "init") {
    init(msg).then(
      () => reply({ seq: 0, ok: true }),
      (err) => reply({ seq: 0, ok: false, error: describe(err) }),
    );
    return;
  }
  handle(msg).then(
    (value) => reply({ seq: msg.seq, ok: true, value }),
    (err) => reply({ seq: msg.seq, ok: false, error: describe(err) }),
  );
};

async function init(msg: WorkerInit): Promise<void> {
  id = msg.id;
  testHooks = msg.testHooks === true;
  await relog(msg.log);
  ownPorts = new OwnPorts();
  supervisor = new Supervisor({
    configDir: msg.configDir,
    fileServer: msg.fileServer,
    ownPorts,
    filter: isSpreadable,
    tunnels: false,
    probePorts: false,
    health,
    announce: false,
  });
  await openTurns();
}

async function handle(msg: WorkerRequest): Promise<unknown> {
  switch (msg.type) {
    case "apply":
      return await apply(msg.config, msg.generation, msg.shared);
    case "status":
      return status();
    case "metrics":
      return [...supervisor.metrics(), ...REGISTRY.snapshot()];
    case "ports":
      // The main isolate's own ports (control endpoint, its listeners): the proxy refuses them.
      ownPorts.setSiblings(msg.ports);
      return undefined;
    case "log":
      await relog(msg.log);
      return undefined;
    case "stop":
      disarmRecycle();
      await supervisor.stop(msg.timeoutMs, msg.sweepMs);
      link?.close();
      closeTurns();
      await flushFileSinks();
      await closeLogging();
      return undefined;
    case "test":
      return test(msg.action);
  }
}

async function apply(config: Config, next: number, shared: SharedState): Promise<void> {
  // Locations get their zones from SHARED_ZONES, which now hands out main's buffers.
  importSharedState(shared);
  // Active checks run in worker 0 only; the others follow its results (lib/shared_state).
  link ??= linkHealth(health, { followActive: id !== 0 });
  if (failNextApply) {
    failNextApply = false;
    throw new BindError("test hook", "every address", new Error("this worker refuses it"));
  }
  await supervisor.apply(config);
  generation = next;
  armRecycle(config);
}

/** Asks to be recycled once this worker passes `worker_max_requests` or `worker_max_rss`. */
function armRecycle(config: Config): void {
  disarmRecycle();
  const maxServed = config.worker_max_requests ?? 0;
  if (maxServed > 0) {
    whenServed(maxServed, () => askRecycle(`${maxServed} connections and requests served`));
  }
  const maxMemory = config.worker_max_rss ?? 0;
  if (maxMemory > 0) {
    const timer = setInterval(() => {
      // A fresh worker that has served nothing is not recycled, however low the limit.
      const used = memory();
      if (used > maxMemory && servedCount() > 0) {
        askRecycle(`${used} bytes of memory, over worker_max_rss ${maxMemory}`);
      }
    }, MEMORY_CHECK_MS);
    Deno.unrefTimer(timer);
    memoryTimer = timer;
  }
}

function disarmRecycle(): void {
  whenServed(Infinity, () => {});
  clearInterval(memoryTimer);
  memoryTimer = undefined;
}

function askRecycle(reason: string): void {
  if (recycleAsked) return;
  recycleAsked = true;
  disarmRecycle();
  scope.postMessage({ seq: -2, ok: true, recycle: reason } satisfies WorkerReply);
}

/** What `worker_max_rss` measures: this isolate's heap plus its external (buffer) memory. */
function memory(): number {
  const m = Deno.memoryUsage();
  return m.heapTotal + m.external;
}

function status(): WorkerStatus {
  const s = supervisor.status();
  return {
    id,
    generation,
    accepted: s.listeners.reduce((n, l) => n + l.accepted, 0),
    open: s.open_connections,
    listeners: s.listeners,
    draining: s.draining,
    heap_used: Deno.memoryUsage().heapUsed,
    served: servedCount(),
    memory: memory(),
  };
}

function test(action: string): void {
  if (!testHooks) throw new Error("test hooks are off");
  if (action === "fail-next-apply") failNextApply = true;
  else if (action === "throw") {
    setTimeout(() => {
      throw new Error(`test hook: worker ${id} throws`);
    }, 0);
  }
}

async function relog(next: WorkerLog): Promise<void> {
  if (logSetup && logSetup.level === next.level && logSetup.file === next.file) return;
  await setupLogging({ level: next.level, file: next.file, tag: `w${id}` });
  logSetup = next;
  logger.debug("worker {id}: logging set up", { id });
}

/** Tells the main isolate this worker is done for (seq -1); it terminates and replaces it. */
function fatal(err: unknown): void {
  logger.debug("worker {id}: uncaught {stack}", { id, stack: (err as Error)?.stack ?? err });
  reply({ seq: -1, ok: false, error: describe(err) });
}

function reply(r: WorkerReply): void {
  scope.postMessage(r);
}

function describe(err: unknown): { name: string; message: string } {
  const e = err as Error;
  return { name: e?.name ?? "Error", message: e?.message ?? String(err) };
}
