import { HealthRegistry } from "../balancer/health.ts";
import {
  diffListeners,
  type ListenerDiff,
  type ListenerSpec,
  listenerSpecs,
} from "../config/listeners.ts";
import type { Config, StreamServer } from "../config/schema.ts";
import { log } from "../log/logger.ts";
import { TcpForwarder, type TcpForwarderOptions } from "../stream/tcp_forwarder.ts";
import { BindError } from "./errors.ts";
import { TcpSlot } from "./tcp_slot.ts";

interface Entry {
  spec: ListenerSpec;
  slot: TcpSlot;
  forwarder: TcpForwarder;
}

/** One listener as `/status` shows it. */
export interface ListenerStatus {
  /** Where it comes from in the config: `stream.server[0]`. */
  readonly name: string;
  /** Pool key: `tcp 127.0.0.1:9000`. */
  readonly key: string;
  /** Bound address, `host:port`; the configured `bind_addr` until bound. */
  readonly address: string;
  /** Kind and bind mode: `stream/tcp`. */
  readonly kind: string;
  /** Client connections open now. */
  readonly open: number;
  /** Client connections ever accepted. */
  readonly accepted: number;
  /** Health of each upstream server, keyed by address. */
  readonly upstream: Record<string, unknown>;
}

const logger = log("server");

/**
 * Owns the listener pool and moves it from one config generation to the next: binds new
 * addresses first (rolling back if any fails), hands changed settings to listeners whose
 * address stays, leaves unchanged ones alone, and drains listeners whose address left.
 */
export class Supervisor {
  #pool = new Map<string, Entry>();
  #health = new HealthRegistry();
  #draining = new Set<TcpForwarder>();
  #generation = 0;
  #config: Config | undefined;

  /** Number of the running generation; 0 before the first apply. */
  get generation(): number {
    return this.#generation;
  }

  /** The running config. */
  get config(): Config | undefined {
    return this.#config;
  }

  /** What applying `config` would change, without applying it. */
  diff(config: Config): ListenerDiff {
    return diffListeners([...this.#pool.values()].map((e) => e.spec), listenerSpecs(config));
  }

  /** Makes `config` the running generation; throws {@link BindError} after rolling back. */
  async apply(config: Config): Promise<ListenerDiff> {
    const specs = listenerSpecs(config);
    const diff = this.diff(config);
    const byKey = new Map(specs.map((s) => [s.key, s]));
    const fresh: Entry[] = [];
    for (const key of diff.added) {
      const spec = byKey.get(key)!;
      const forwarder = new TcpForwarder(spec.name, forwarderOptions(spec.settings), this.#health);
      const slot = new TcpSlot(spec.hostname, spec.port, forwarder);
      try {
        slot.bind();
      } catch (e) {
        await Promise.all(fresh.map((f) => f.slot.close()));
        throw new BindError(spec.name, spec.settings.bind_addr, e);
      }
      fresh.push({ spec, slot, forwarder });
    }
    for (const key of [...diff.changed, ...diff.unchanged]) {
      const entry = this.#pool.get(key)!;
      const spec = byKey.get(key)!;
      if (entry.spec.fingerprint !== spec.fingerprint) {
        entry.forwarder.update(forwarderOptions(spec.settings));
      }
      entry.spec = spec;
    }
    for (const key of diff.removed) {
      const entry = this.#pool.get(key)!;
      this.#pool.delete(key);
      this.#retire(entry, config.shutdown_timeout * 1000);
    }
    for (const entry of fresh) {
      this.#pool.set(entry.spec.key, entry);
      entry.slot.start();
    }
    this.#config = config;
    this.#generation++;
    this.#health.retain(specs.flatMap((s) => s.settings.upstream.server.map((u) => u.addr)));
    logger.info("generation {generation}: {added} added, {removed} removed, {changed} changed", {
      generation: this.#generation,
      added: diff.added.length,
      removed: diff.removed.length,
      changed: diff.changed.length,
    });
    return diff;
  }

  /** Stops accepting everywhere and drains open connections for up to `timeoutMs`. */
  async stop(timeoutMs: number): Promise<void> {
    const entries = [...this.#pool.values()];
    this.#pool.clear();
    await Promise.all([
      ...entries.map((e) => this.#retire(e, timeoutMs)),
      ...[...this.#draining].map((f) => drain(f, timeoutMs)),
    ]);
  }

  /** Listeners, open connections and upstream health. */
  status(): { listeners: ListenerStatus[]; open_connections: number; draining: number } {
    const listeners = [...this.#pool.values()].map((e) => {
      const addr = e.slot.boundAddr;
      return {
        name: e.spec.name,
        key: e.spec.key,
        address: addr ? `${addr.hostname}:${addr.port}` : e.spec.settings.bind_addr,
        kind: `${e.spec.kind}/${e.spec.settings.bind_mode}`,
        open: e.forwarder.tracker.size,
        accepted: e.forwarder.tracker.accepted,
        upstream: e.forwarder.health(),
      };
    });
    let draining = 0;
    for (const f of this.#draining) draining += f.tracker.size;
    const open = listeners.reduce((n, l) => n + l.open, 0) + draining;
    return { listeners, open_connections: open, draining };
  }

  async #retire(entry: Entry, timeoutMs: number): Promise<void> {
    await entry.slot.close();
    this.#draining.add(entry.forwarder);
    try {
      await drain(entry.forwarder, timeoutMs);
    } finally {
      this.#draining.delete(entry.forwarder);
    }
  }
}

async function drain(forwarder: TcpForwarder, timeoutMs: number): Promise<void> {
  if (await forwarder.tracker.idle(timeoutMs)) return;
  logger.warn("{name}: closing {n} connections still open after the drain timeout", {
    name: forwarder.name,
    n: forwarder.tracker.size,
  });
  forwarder.tracker.closeAll();
}

function forwarderOptions(s: StreamServer): TcpForwarderOptions {
  return {
    servers: s.upstream.server,
    connectTimeout: s.proxy_connect_timeout * 1000,
    idleTimeout: s.timeout * 1000,
  };
}
