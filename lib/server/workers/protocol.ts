/**
 * Messages between the main isolate and a worker. Every request carries a `seq` the worker
 * answers with one {@link WorkerReply}; the config travels as structured-cloned data (it is
 * plain, already validated data: the worker does not read or validate the file again).
 * @module
 */
import type { Config } from "../../config/schema.ts";
import type { LogLevel } from "../../log/level.ts";
import type { SharedState } from "../../shared_state/shared_state.ts";

/** What a worker needs to start, sent once as its first message. */
export interface WorkerInit {
  readonly type: "init";
  /** The worker's number, 0-based; a replacement keeps the number of the one it replaces. */
  readonly id: number;
  /** Logging as the main isolate has it. */
  readonly log: WorkerLog;
  /** Where a tunnel server would keep certificates, as the main isolate's supervisor. */
  readonly configDir?: string;
  /** Serve `[http]` as `wmproxy file-server` does. */
  readonly fileServer?: boolean;
  /** Whether the hidden test hooks answer (`WMPROXY_TEST_HOOKS=1`). */
  readonly testHooks?: boolean;
}

/** Log level and file of a worker. */
export interface WorkerLog {
  readonly level: LogLevel;
  readonly file: string | null;
}

/** A request to a worker. */
export type WorkerRequest =
  | {
    readonly type: "apply";
    readonly seq: number;
    readonly config: Config;
    readonly generation: number;
    /** The `limit_req` zones' buffers and the health channel of this generation. */
    readonly shared: SharedState;
  }
  | { readonly type: "status"; readonly seq: number }
  /** Its listener families and metrics registry (`FamilySnapshot[]`), for `/metrics`. */
  | { readonly type: "metrics"; readonly seq: number }
  | { readonly type: "ports"; readonly seq: number; readonly ports: readonly number[] }
  | { readonly type: "log"; readonly seq: number; readonly log: WorkerLog }
  | {
    readonly type: "stop";
    readonly seq: number;
    readonly timeoutMs: number;
    /** Close each TCP socket once no connection has come for this long (a recycle). */
    readonly sweepMs?: number;
  }
  | { readonly type: "test"; readonly seq: number; readonly action: TestAction };

/** What a hidden test hook makes a worker do. */
export type TestAction = "throw" | "fail-next-apply";

/**
 * A worker's answer to one request, its ready signal (seq 0), the news that an uncaught
 * error ends it (seq -1), or its ask to be recycled (seq -2, once: it passed
 * `worker_max_requests` or `worker_max_rss`).
 */
export type WorkerReply =
  | { readonly seq: number; readonly ok: true; readonly value?: unknown }
  | { readonly seq: number; readonly ok: false; readonly error: { name: string; message: string } }
  | { readonly seq: -2; readonly ok: true; readonly recycle: string };

/** What a worker reports in `/status`. */
export interface WorkerStatus {
  /** The worker's number. */
  readonly id: number;
  /** The generation it runs. */
  readonly generation: number;
  /** Connections accepted by its listeners (since they were bound). */
  readonly accepted: number;
  /** Connections open now, draining ones included. */
  readonly open: number;
  /** Its listeners, as the supervisor reports them. */
  readonly listeners: readonly Record<string, unknown>[];
  /** Connections of listeners retired by a reload, still draining. */
  readonly draining: number;
  /** Bytes of its isolate's heap in use. */
  readonly heap_used: number;
  /**
   * Connections accepted plus further requests on kept-alive HTTP connections since the worker
   * started: what `worker_max_requests` counts.
   */
  readonly served: number;
  /** Its isolate's `heapTotal + external` bytes: what `worker_max_rss` counts. */
  readonly memory: number;
}
