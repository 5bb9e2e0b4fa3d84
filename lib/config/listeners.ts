import { parseAddress } from "../net/address.ts";
import type { Config, StreamServer } from "./schema.ts";

/** One listener a config asks for, keyed by transport and bind address. */
export interface ListenerSpec {
  /** Pool key: `tcp 127.0.0.1:9000`. */
  readonly key: string;
  /** Where it comes from in the config: `stream.server[0]`. */
  readonly name: string;
  /** Transport listened on. */
  readonly transport: "tcp" | "udp";
  /** Host part of the bind address. */
  readonly hostname: string;
  /** Port part of the bind address. */
  readonly port: number;
  /** What the listener does with connections. */
  readonly kind: "stream";
  /** The `[[stream.server]]` section the listener comes from. */
  readonly settings: StreamServer;
  /** Equal fingerprints mean the effective config is unchanged. */
  readonly fingerprint: string;
}

/** The listeners a config defines, in config order. */
export function listenerSpecs(config: Config): ListenerSpec[] {
  return config.stream.server.map((s, i) => {
    const addr = parseAddress(s.bind_addr)!;
    return {
      key: `${s.bind_mode} ${s.bind_addr}`,
      name: `stream.server[${i}]`,
      transport: s.bind_mode,
      hostname: addr.hostname,
      port: addr.port,
      kind: "stream",
      settings: s,
      fingerprint: JSON.stringify(["stream", s]),
    };
  });
}

/** How the listeners of two generations differ, by pool key. */
export interface ListenerDiff {
  /** Keys only the new generation has. */
  readonly added: readonly string[];
  /** Keys only the old generation has. */
  readonly removed: readonly string[];
  /** Keys in both whose settings differ. */
  readonly changed: readonly string[];
  /** Keys in both with the same settings. */
  readonly unchanged: readonly string[];
}

/** Compares the listeners of the running generation with those of a new one. */
export function diffListeners(
  before: readonly ListenerSpec[],
  after: readonly ListenerSpec[],
): ListenerDiff {
  const old = new Map(before.map((s) => [s.key, s]));
  const added: string[] = [];
  const changed: string[] = [];
  const unchanged: string[] = [];
  for (const s of after) {
    const o = old.get(s.key);
    if (!o) added.push(s.key);
    else if (o.fingerprint === s.fingerprint) unchanged.push(s.key);
    else changed.push(s.key);
  }
  const keys = new Set(after.map((s) => s.key));
  const removed = before.filter((s) => !keys.has(s.key)).map((s) => s.key);
  return { added, removed, changed, unchanged };
}
