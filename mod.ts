/**
 * wmproxy for Deno: a forward proxy, reverse proxy, TCP forwarder and tunnel driven by one
 * TOML file, reloaded live through a local control endpoint. This module is the public API
 * for embedding it: load and validate a config, run it, and drive it.
 *
 * @example Run a config file until stopped
 * ```ts
 * import { App, loadConfigFile } from "./mod.ts";
 *
 * const loaded = await loadConfigFile("config.example.toml");
 * const app = await App.start(loaded, { configFile: "config.example.toml" });
 * await app.finished; // after /stop, SIGTERM or SIGINT
 * ```
 * @module
 */

export { loadConfigFile, loadConfigText } from "./lib/config/load.ts";
export { validate, type Validated, type ValidateOptions } from "./lib/config/validate.ts";
export type { Table } from "./lib/config/validate.ts";
export { ConfigError, ConfigErrors } from "./lib/config/errors.ts";
export {
  type BindMode,
  type Config,
  DEFAULTS,
  type Defaults,
  type HttpAccessLog,
  type HttpErrorLog,
  type HttpFileServer,
  type HttpLimitReq,
  type HttpLimitReqZone,
  type HttpLocation,
  type HttpSection,
  type HttpServer,
  type HttpTimeouts,
  type HttpTlsMaterial,
  type HttpUpstream,
  type PortRange,
  type ProxyProtocol,
  type ProxyProtocolVersion,
  type ProxySection,
  type StreamConfig,
  type StreamServer,
  type TunnelClient,
  type TunnelCommon,
  type TunnelMapping,
  type TunnelMappingMode,
  type TunnelSection,
  type TunnelServer,
  type TunnelTls,
  type Upstream,
  type UpstreamServer,
} from "./lib/config/schema.ts";
export type { HeaderRule } from "./lib/reverse/types.ts";
export { LOG_LEVELS, type LogLevel } from "./lib/log/level.ts";
export { parseDuration } from "./lib/config/duration.ts";
export {
  diffListeners,
  type HttpListenerSettings,
  type HttpListenerSpec,
  type ListenerDiff,
  listenerKind,
  type ListenerSpec,
  type ListenerSpecBase,
  listenerSpecs,
  type ProxyListenerSpec,
  type StreamListenerSpec,
  type TunnelListenerSpec,
  type TunnelRole,
} from "./lib/config/listeners.ts";
export { App, type AppOptions } from "./lib/server/app.ts";
export {
  type ListenerStatus,
  Supervisor,
  type SupervisorOptions,
} from "./lib/server/supervisor.ts";
export { OwnPorts } from "./lib/server/own_ports.ts";
export { BindError, ControlBusyError } from "./lib/server/errors.ts";
export { type Closable, ConnTracker } from "./lib/net/conn_tracker.ts";
export { type ControlOptions, type ControlServer, startControl } from "./lib/control/server.ts";
export type { ControlReply, ControlTarget } from "./lib/control/types.ts";
export type { FamilySnapshot, MetricType } from "./lib/metrics/registry.ts";
export { callControl, type CallControlOptions, ControlClientError } from "./lib/control/client.ts";
export {
  type StreamTarget,
  TcpForwarder,
  type TcpForwarderOptions,
} from "./lib/stream/tcp_forwarder.ts";
export type { FailoverServer } from "./lib/balancer/failover.ts";
export { type Duplex, relay, type RelayOptions, type RelayResult } from "./lib/net/relay.ts";
export { type Address, formatAddress, parseAddress } from "./lib/net/address.ts";
export type { Selector, Weighted } from "./lib/balancer/selector.ts";
export { RoundRobinSelector } from "./lib/balancer/round_robin.ts";
export {
  type ActiveServerState,
  type HealthChangeHook,
  type HealthPolicy,
  HealthRegistry,
  ServerHealth,
  type SharedHealthState,
} from "./lib/balancer/health.ts";
export { type LogSetupOptions, setupLogging } from "./lib/log/setup.ts";
export {
  type StaticBody,
  StaticFiles,
  type StaticReply,
  type StaticRequest,
  toResponse,
} from "./lib/static/files.ts";
export type {
  FileCacheOptions,
  ResolvedStaticOptions,
  StaticOptions,
} from "./lib/static/options.ts";
