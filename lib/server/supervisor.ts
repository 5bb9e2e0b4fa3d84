import { HealthRegistry } from "../balancer/health.ts";
import {
  diffListeners,
  type ListenerDiff,
  listenerKind,
  type ListenerSpec,
  listenerSpecs,
} from "../config/listeners.ts";
import type { Config } from "../config/schema.ts";
import { log } from "../log/logger.ts";
import { parseAddress } from "../net/address.ts";
import { assertPortFree } from "../net/exclusive.ts";
import { BindError } from "./errors.ts";
import type { Listener } from "./listener.ts";
import { createListener, type ListenerEnv } from "./create_listener.ts";
import { ListenerCounters, type NamedListener } from "./listener_counters.ts";
import type { FamilySnapshot } from "../metrics/registry.ts";
import { OwnPorts } from "./own_ports.ts";
import { createFileServerListener } from "./static_listener.ts";
import { TunnelHub } from "./tunnel_hub.ts";

interface Entry {
  spec: ListenerSpec;
  listener: Listener;
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
  /** Client connections (tcp) or sessions (udp) open now. */
  readonly open: number;
  /** Client connections or sessions ever accepted. */
  readonly accepted: number;
  /** What else the listener reports: upstream health, UDP session counters. */
  readonly [key: string]: unknown;
}

const logger = log("server");

/** How a {@link Supervisor} builds its listeners. */
export interface SupervisorOptions {
  /**
   * Serve every `[http]` address (one server whose first location has a `file_server`) on a
   * `Deno.serve` static listener instead of the reverse proxy's front: `wmproxy file-server`.
   * @default false
   */
  readonly fileServer?: boolean;
  /**
   * Where the TCP ports of the running listeners are published (the forward proxy refuses
   * them as targets). @default a registry of the supervisor's own
   */
  readonly ownPorts?: OwnPorts;
  /** Where a tunnel server keeps the self-signed certificates it makes. @default the cwd */
  readonly configDir?: string;
  /**
   * Which of a config's listeners this supervisor runs (with `workers > 1` the main isolate
   * runs the ones that cannot be spread, each worker the others). @default every listener
   */
  readonly filter?: (spec: ListenerSpec) => boolean;
  /**
   * Whether this supervisor runs the tunnel end (hub) of the config; a worker does not.
   * @default true
   */
  readonly tunnels?: boolean;
  /**
   * Whether a new TCP address is first probed for another process holding it (unless
   * `share_ports`). A worker skips it: its siblings bind the same address, and the main
   * isolate probed it before the generation was handed out. @default true
   */
  readonly probePorts?: boolean;
  /**
   * The upstream health registry its listeners share (a worker passes the one it links to
   * its siblings). @default a registry of its own
   */
  readonly health?: HealthRegistry;
  /**
   * Whether each generation's `generation N: ...` line is logged at info; false logs it at
   * debug (with workers, the pool logs one info line for all its parts). @default true
   */
  readonly announce?: boolean;
}

/**
 * Owns the listener pool and moves it from one config generation to the next: binds new
 * addresses first (rolling back if any fails), hands changed settings to listeners whose
 * address stays, leaves unchanged ones alone, and drains listeners whose address left.
 */
export class Supervisor {
  #pool = new Map<string, Entry>();
  readonly #env: ListenerEnv;
  #draining = new Set<Listener>();
  /** `/metrics`' listener families, with what retired listeners counted. */
  readonly #counters = new ListenerCounters();
  #generation = 0;
  #config: Config | undefined;
  readonly #create: typeof createListener;
  readonly #filter: (spec: ListenerSpec) => boolean;
  readonly #tunnels: boolean;
  readonly #probePorts: boolean;
  readonly #announce: boolean;

  /**
   * An empty pool; {@link apply} fills it.
   * @param options how listeners are built (defaults in {@link SupervisorOptions})
   */
  constructor(options: SupervisorOptions = {}) {
    this.#create = options.fileServer ? createFileServerListener : createListener;
    this.#filter = options.filter ?? (() => true);
    this.#tunnels = options.tunnels ?? true;
    this.#probePorts = options.probePorts ?? true;
    this.#announce = options.announce ?? true;
    const ownPorts = options.ownPorts ?? new OwnPorts();
    this.#env = {
      health: options.health ?? new HealthRegistry(),
      ownPorts,
      tunnels: new TunnelHub(options.configDir ?? Deno.cwd(), ownPorts),
    };
  }

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
    return diffListeners([...this.#pool.values()].map((e) => e.spec), this.#specs(config));
  }

  /** The listeners of `config` this supervisor runs. */
  #specs(config: Config): ListenerSpec[] {
    return listenerSpecs(config).filter(this.#filter);
  }

  /** Makes `config` the running generation; throws {@link BindError} after rolling back. */
  async apply(config: Config): Promise<ListenerDiff> {
    const specs = this.#specs(config);
    const diff = this.diff(config);
    // The tunnel ends first: new tunnel listeners hand connections to them.
    if (this.#tunnels) await this.#env.tunnels.apply(config);
    const byKey = new Map(specs.map((s) => [s.key, s]));
    const fresh: Entry[] = [];
    const held = this.#heldPorts();
    for (const key of diff.added) {
      const spec = byKey.get(key)!;
      const listener = this.#create(spec, this.#env);
      try {
        if (!config.share_ports && this.#probePorts) this.#assertNotShared(spec, held);
        listener.bind();
      } catch (e) {
        await Promise.all(fresh.map((f) => f.listener.close()));
        const where = spec.bind_addr;
        throw new BindError(spec.name, spec.transport === "udp" ? `udp ${where}` : where, e);
      }
      fresh.push({ spec, listener });
    }
    // Retired listeners stop accepting before the reload answers.
    const closing: Promise<void>[] = [];
    // Changed listeners that need a new socket bind it now, before anything is retired.
    const rebound = new Map<string, Listener>();
    for (const key of diff.changed) {
      const spec = byKey.get(key)!;
      if (!this.#pool.get(key)!.listener.needsRebind?.(spec)) continue;
      const listener = this.#create(spec, this.#env);
      try {
        listener.bind();
      } catch (e) {
        await Promise.all(
          [...fresh.map((f) => f.listener), ...rebound.values()].map((l) => l.close()),
        );
        throw new BindError(spec.name, spec.bind_addr, e);
      }
      rebound.set(key, listener);
    }
    for (const key of [...diff.changed, ...diff.unchanged]) {
      const entry = this.#pool.get(key)!;
      const spec = byKey.get(key)!;
      const next = rebound.get(key);
      if (next) {
        // The new socket serves from now on; the old one stops accepting and drains.
        next.start();
        closing.push(
          this.#retire(entry.spec, entry.listener, config.shutdown_timeout * 1000).closed,
        );
        entry.listener = next;
      } else if (entry.spec.fingerprint !== spec.fingerprint && !entry.listener.update(spec)) {
        // Another kind at the same address: the new listener takes over the bound socket.
        const slot = entry.listener.handOver?.();
        const next = this.#create(spec, this.#env, slot);
        if (!slot) next.bind();
        closing.push(
          this.#retire(entry.spec, entry.listener, config.shutdown_timeout * 1000).closed,
        );
        entry.listener = next;
        next.start();
        if (next.started) closing.push(next.started());
      }
      entry.spec = spec;
    }
    for (const key of diff.removed) {
      const entry = this.#pool.get(key)!;
      this.#pool.delete(key);
      closing.push(this.#retire(entry.spec, entry.listener, config.shutdown_timeout * 1000).closed);
    }
    for (const entry of fresh) this.#pool.set(entry.spec.key, entry);
    // Published before the new ports accept, so the proxy never reaches one unrecognised.
    this.#publishPorts();
    for (const entry of fresh) entry.listener.start();
    await Promise.all(closing);
    this.#config = config;
    this.#generation++;
    this.#env.health.retain(specs.flatMap(upstreamAddrs));
    const line = "generation {generation}: {added} added, {removed} removed, {changed} changed";
    const props = {
      generation: this.#generation,
      added: diff.added.length,
      removed: diff.removed.length,
      changed: diff.changed.length,
    };
    if (this.#announce) logger.info(line, props);
    else logger.debug(line, props);
    return diff;
  }

  /** TCP ports our running listeners hold: binding them again shares with ourselves. */
  #heldPorts(): Set<number> {
    const ports = new Set<number>();
    for (const { spec } of this.#pool.values()) {
      if (spec.transport === "tcp") ports.add(parseAddress(spec.bind_addr)?.port ?? 0);
    }
    return ports;
  }

  /** Tells the registry which TCP ports the pool's listeners are bound to. */
  #publishPorts(): void {
    const ports: number[] = [];
    for (const { spec, listener } of this.#pool.values()) {
      if (spec.transport !== "tcp") continue;
      const port = parseAddress(listener.report().address)?.port ?? spec.port;
      if (port > 0) ports.push(port);
    }
    this.#env.ownPorts.setListeners(ports);
  }

  /** A new TCP address must not be held by another process, even with reusePort. */
  #assertNotShared(spec: ListenerSpec, held: ReadonlySet<number>): void {
    if (spec.transport !== "tcp") return;
    const addr = parseAddress(spec.bind_addr);
    if (addr && !held.has(addr.port)) assertPortFree(addr.hostname, addr.port);
  }

  /**
   * Stops accepting everywhere and drains open connections for up to `timeoutMs`. With
   * `sweepMs`, each TCP listener closes at a quiet moment ({@link Listener.close}).
   */
  async stop(timeoutMs: number, sweepMs?: number): Promise<void> {
    const entries = [...this.#pool.values()];
    this.#pool.clear();
    await Promise.all([
      ...entries.map((e) => this.#retire(e.spec, e.listener, timeoutMs, sweepMs).drained),
      ...[...this.#draining].map((l) => l.drain(timeoutMs)),
      this.#env.tunnels.stop(timeoutMs),
    ]);
  }

  /**
   * The listener families of `/metrics` (see {@link ListenerCounters}): counters only go up
   * while the process lives, across rebuilt and removed listeners.
   */
  metrics(): FamilySnapshot[] {
    const live: NamedListener[] = [];
    for (const e of this.#pool.values()) {
      live.push({ name: e.spec.name, kind: listenerKind(e.spec), listener: e.listener });
    }
    return this.#counters.families(live);
  }

  /** The tunnel end's `/status` part, if this supervisor runs one. */
  tunnelStatus(): Record<string, unknown> | undefined {
    return this.#env.tunnels.status() ?? undefined;
  }

  /** Listeners, open connections and upstream health. */
  status(): {
    listeners: ListenerStatus[];
    open_connections: number;
    draining: number;
    tunnel?: Record<string, unknown>;
  } {
    const listeners = [...this.#pool.values()].map((e) => ({
      name: e.spec.name,
      key: e.spec.key,
      kind: listenerKind(e.spec),
      ...e.listener.report(),
    }));
    let draining = 0;
    for (const l of this.#draining) draining += l.open;
    const open = listeners.reduce((n, l) => n + l.open, 0) + draining;
    const tunnel = this.#env.tunnels.status();
    return { listeners, open_connections: open, draining, ...(tunnel ? { tunnel } : {}) };
  }

  /**
   * Stops `listener` accepting, then drains it in the background. `closed` settles once it no
   * longer accepts (a reload waits for that, so no new connection lands on a retired socket);
   * `drained` once its connections are gone.
   */
  #retire(
    spec: ListenerSpec,
    listener: Listener,
    timeoutMs: number,
    sweepMs?: number,
  ): { closed: Promise<void>; drained: Promise<void> } {
    this.#counters.retire({ name: spec.name, kind: listenerKind(spec), listener });
    const closed = listener.close(sweepMs);
    this.#draining.add(listener);
    const drained = (async () => {
      try {
        await closed;
        await listener.drain(timeoutMs);
      } finally {
        this.#draining.delete(listener);
        this.#counters.settle(listener);
      }
    })();
    return { closed: closed.catch(() => {}), drained };
  }
}

/** Upstream server addresses a listener uses, whose health is kept across reloads. */
function upstreamAddrs(spec: ListenerSpec): string[] {
  switch (spec.kind) {
    case "stream":
      return spec.settings.upstream.server.map((u) => u.addr);
    case "http":
      return spec.settings.upstreams.flatMap((u) => u.server.map((s) => s.addr));
    default:
      return [];
  }
}
