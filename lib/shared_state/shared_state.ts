/**
 * The seam between the Worker pool and the state its Workers share: `limit_req` zones (one
 * SharedArrayBuffer per zone spec) and upstream health (one BroadcastChannel).
 *
 * How the pool uses it:
 *
 * In main, when a configuration is applied (at start and at each reload, before Workers
 * build the new generation):
 * ```ts
 * const state = exportSharedState(Object.values(config.http?.limit_req_zone ?? {}));
 * for (const w of workers) w.postMessage({ kind: "config", config, shared: state });
 * ```
 * and once, for main's own {@link HealthRegistry} (the supervisor's; active checks run here):
 * ```ts
 * const link = linkHealth(health); // link.close() when main stops
 * ```
 * In each Worker, on every message carrying `shared`, before building listeners from the
 * configuration (locations then get their zones from `SHARED_ZONES`, which now hands out
 * shared ones):
 * ```ts
 * importSharedState(msg.shared);
 * ```
 * and once, after the first import, for the Worker's own registry (its checkers then send no
 * checks and report main's results):
 * ```ts
 * const link = linkHealth(health); // link.close() when the Worker stops
 * ```
 * A zone whose spec is unchanged keeps its buffer (and its buckets) across reloads; a
 * changed spec gets a new one.
 * @module
 */
import type { HealthRegistry } from "../balancer/health.ts";
import {
  type LimitZoneOptions,
  type LimitZoneRegistry,
  SHARED_ZONES,
} from "../reverse/limit_req.ts";
import { HealthLink, type HealthLinkOptions } from "./health_link.ts";
import { type SharedZone, ZoneExporter, ZoneImporter } from "./zone_share.ts";

export { HealthLink, type HealthLinkOptions } from "./health_link.ts";
export { SharedBuckets } from "./shared_buckets.ts";
export { type SharedZone, ZoneExporter, ZoneImporter } from "./zone_share.ts";

/** What main hands each Worker (structured-cloneable: post it as is). */
export interface SharedState {
  /** Every `limit_req` zone with its buffer. */
  readonly zones: readonly SharedZone[];
  /** The BroadcastChannel name health links use. */
  readonly healthChannel: string;
}

let exporter: ZoneExporter | null = null;
let importer: ZoneImporter | null = null;
let ownChannel: string | null = null;
let importedChannel: string | null = null;

function channelOfMain(): string {
  ownChannel ??= `wmproxy-health-${Deno.pid}-${crypto.randomUUID()}`;
  return ownChannel;
}

/**
 * In main: the state to post to Workers. `zones` are every `limit_req_zone` of the
 * configuration being applied (`Object.values(config.http?.limit_req_zone ?? {})`); a spec
 * exported before keeps its buffer, a new or changed one gets a new buffer, zones no longer
 * named are dropped. Without `zones`, every zone made so far. From the first call on, the
 * zones `registry` (default `SHARED_ZONES`) makes in main are shared ones too.
 */
export function exportSharedState(
  zones?: Iterable<LimitZoneOptions>,
  registry: LimitZoneRegistry = SHARED_ZONES,
): SharedState {
  exporter ??= new ZoneExporter(registry);
  return { zones: exporter.export(zones), healthChannel: channelOfMain() };
}

/**
 * In a Worker: takes the state main exported, so the zones `registry` (default
 * `SHARED_ZONES`) hands out use main's buffers. Call it before building each generation.
 */
export function importSharedState(
  state: SharedState,
  registry: LimitZoneRegistry = SHARED_ZONES,
): void {
  importer ??= new ZoneImporter(registry);
  importer.import(state.zones);
  importedChannel = state.healthChannel;
}

/**
 * Links `health` to main and the other Workers: in main (nothing imported) on main's channel,
 * as the isolate whose active checks count; in a Worker (after {@link importSharedState}) on
 * the imported channel, following main's active checks. `options` override either.
 */
export function linkHealth(
  health: HealthRegistry,
  options: Partial<HealthLinkOptions> = {},
): HealthLink {
  return new HealthLink(health, {
    channel: importedChannel ?? channelOfMain(),
    followActive: importedChannel !== null,
    ...options,
  });
}
