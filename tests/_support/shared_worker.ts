/**
 * The body of a Worker for tests of lib/shared_state: answers {@link SharedWorkerRequest}s
 * using the seam as the pool does (importSharedState, SHARED_ZONES, linkHealth). Spawned by
 * `shared_peer.ts`.
 * @module
 */
import { ActiveHealthCheck } from "../../lib/balancer/active_health.ts";
import { HealthRegistry } from "../../lib/balancer/health.ts";
import { type LimitZoneOptions, SHARED_ZONES } from "../../lib/reverse/limit_req.ts";
import {
  type HealthLink,
  importSharedState,
  linkHealth,
  type SharedState,
} from "../../lib/shared_state/shared_state.ts";

/** What a test asks of the Worker. */
export type SharedWorkerRequest =
  | { readonly op: "import"; readonly state: SharedState }
  | {
    readonly op: "take";
    readonly zone: LimitZoneOptions;
    readonly keys: readonly string[];
    readonly burst: number;
  }
  | {
    readonly op: "hammer";
    readonly zone: LimitZoneOptions;
    readonly key: string;
    readonly burst: number;
    /** Int32 word 0 turns 1 to start everyone at once. */
    readonly go: SharedArrayBuffer;
    readonly durationMs: number;
  }
  | { readonly op: "size"; readonly zone: LimitZoneOptions }
  | { readonly op: "link" }
  | { readonly op: "fail"; readonly addr: string; readonly times: number }
  | { readonly op: "success"; readonly addr: string }
  | {
    readonly op: "wait";
    readonly addr: string;
    readonly up: boolean;
    readonly timeoutMs: number;
    /** Asks an active checker over `addr` (started here) instead of passive health. */
    readonly active?: boolean;
  };

const health = new HealthRegistry();
let link: HealthLink | null = null;
const checkers = new Map<string, ActiveHealthCheck<ReturnType<typeof server>>>();

function server(addr: string) {
  const port = Number(addr.slice(addr.lastIndexOf(":") + 1));
  return { addr, hostname: "127.0.0.1", port, rise_times: 1, fall_times: 1 };
}

function checker(addr: string): ActiveHealthCheck<ReturnType<typeof server>> {
  let c = checkers.get(addr);
  if (!c) {
    c = new ActiveHealthCheck([server(addr)], {
      path: "",
      intervalMs: 10,
      timeoutMs: 100,
      health,
    });
    c.start(); // a follower sends no checks
    checkers.set(addr, c);
  }
  return c;
}

async function handle(r: SharedWorkerRequest): Promise<unknown> {
  switch (r.op) {
    case "import":
      importSharedState(r.state);
      return null;
    case "take": {
      const z = SHARED_ZONES.zone(r.zone);
      return r.keys.map((k) => z.take(k, r.burst));
    }
    case "hammer": {
      const z = SHARED_ZONES.zone(r.zone);
      const go = new Int32Array(r.go);
      while (Atomics.load(go, 0) === 0) Atomics.wait(go, 0, 0, 50);
      const start = Date.now();
      let admitted = 0;
      let takes = 0;
      while (Date.now() - start < r.durationMs) {
        for (let i = 0; i < 100; i++) if (z.take(r.key, r.burst)) admitted++;
        takes += 100;
      }
      return { admitted, takes, start, end: Date.now() };
    }
    case "size":
      return SHARED_ZONES.zone(r.zone).size;
    case "link":
      link = linkHealth(health);
      return null;
    case "fail":
      for (let i = 0; i < r.times; i++) {
        health.get(r.addr).recordFailure({ fall_times: r.times, fail_timeout: 60 });
      }
      return null;
    case "success":
      health.get(r.addr).recordSuccess();
      return null;
    case "wait": {
      const isUp = () =>
        r.active ? checker(r.addr).isUp(server(r.addr)) : health.get(r.addr).isUp();
      const deadline = Date.now() + r.timeoutMs;
      while (isUp() !== r.up) {
        if (Date.now() > deadline) return false;
        await new Promise((done) => setTimeout(done, 1));
      }
      return true;
    }
  }
}

/** The Worker's global scope (Deno types `self` as a window). */
const scope = self as unknown as {
  onmessage: (e: MessageEvent<{ id: number; request: SharedWorkerRequest }>) => void;
  postMessage(message: unknown): void;
};

scope.onmessage = async (e) => {
  const { id, request } = e.data;
  try {
    scope.postMessage({ id, value: await handle(request) });
  } catch (err) {
    scope.postMessage({ id, error: String((err as Error)?.stack ?? err) });
  }
};

addEventListener("unload", () => {
  link?.close();
  for (const c of checkers.values()) c.stop();
});
