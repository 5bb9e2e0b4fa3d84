/**
 * The tunnel's session messages (carried by `codec.ts`), their types and their checks.
 *
 * - The client opens the first stream of a session and sends `hello` (protocol version,
 *   credentials, the mappings it serves); the server answers `welcome` (which mappings it took,
 *   which it refused and why) or `denied`, then closes.
 * - Later on the same stream the client may send `mappings` again (a reload), answered by
 *   another `welcome`.
 * - Every other stream starts with one `open` message, then carries raw bytes: the server opens
 *   streams to the client for a visitor of a mapping; the client opens them to the server for
 *   its local egress proxy (`mapping` is then absent).
 * @module
 */

import { TunnelMessageError } from "./codec.ts";

/** The protocol version this build speaks. */
export const TUNNEL_VERSION = 1;

/** What a mapping exposes at the server. */
export type MappingMode = "http" | "https" | "tcp" | "proxy";

const MODES: readonly MappingMode[] = ["http", "https", "tcp", "proxy"];

/** A mapping as the client announces it (what the server needs to route to it). */
export interface MappingOffer {
  readonly name: string;
  readonly mode: MappingMode;
  /** Host names for `http`/`https` (exact, or `*.name`); empty for the others. */
  readonly domains: readonly string[];
  /** For `tcp`: where the server should expose it (checked against its `allow_ports`). */
  readonly remoteBind?: string;
}

/** client → server: the first message of a session. */
export interface HelloMessage {
  readonly type: "hello";
  readonly version: number;
  readonly username: string;
  readonly password: string;
  readonly mappings: readonly MappingOffer[];
}

/** client → server: the mappings changed (a reload on the client). */
export interface MappingsMessage {
  readonly type: "mappings";
  readonly mappings: readonly MappingOffer[];
}

/** server → client: the session is accepted; per mapping, taken or refused. */
export interface WelcomeMessage {
  readonly type: "welcome";
  readonly version: number;
  readonly session: string;
  readonly refused: readonly { readonly name: string; readonly reason: string }[];
}

/** server → client: the session is refused (credentials, version, limits); then closed. */
export interface DeniedMessage {
  readonly type: "denied";
  readonly reason: string;
}

/**
 * What the client's local proxy lets its users do, sent with each egress `open`: the server
 * runs the forward proxy for them and applies it (on top of its own rules).
 */
export interface EgressPolicy {
  /** Proxy protocols allowed: `http`, `https` (CONNECT), `socks5`. */
  readonly flags: readonly string[];
  /** Targets let through what the defaults refuse (`target_allow` entries). */
  readonly targetAllow: readonly string[];
  /** Targets refused (`target_deny` entries). */
  readonly targetDeny: readonly string[];
}

/** Either way, the first message of a data stream. */
export interface OpenMessage {
  readonly type: "open";
  /** The mapping a visitor reached (server → client); absent for egress (client → server). */
  readonly mapping?: string;
  /**
   * The visitor's address, `ip:port` (for logs and PROXY protocol): at the server for a
   * mapping, at the client's local proxy for egress.
   */
  readonly peer?: string;
  /** Egress only: the client's local proxy policy; absent: the server's defaults. */
  readonly egress?: EgressPolicy;
}

/** Any session message. */
export type TunnelMessage =
  | HelloMessage
  | MappingsMessage
  | WelcomeMessage
  | DeniedMessage
  | OpenMessage;

type Raw = Record<string, unknown> & { type: string };

/**
 * Checks a decoded message and gives it its type.
 * @throws TunnelMessageError naming the field that is wrong
 */
export function parseMessage(raw: Raw): TunnelMessage {
  switch (raw.type) {
    case "hello":
      return {
        type: "hello",
        version: int(raw, "version"),
        username: str(raw, "username"),
        password: str(raw, "password"),
        mappings: offers(raw),
      };
    case "mappings":
      return { type: "mappings", mappings: offers(raw) };
    case "welcome":
      return {
        type: "welcome",
        version: int(raw, "version"),
        session: str(raw, "session"),
        refused: list(raw, "refused").map((r, i) => {
          const o = obj(r, `refused[${i}]`);
          return { name: str(o, "name"), reason: str(o, "reason") };
        }),
      };
    case "denied":
      return { type: "denied", reason: str(raw, "reason") };
    case "open": {
      const egress = raw.egress === undefined ? undefined : egressPolicy(raw.egress);
      return {
        type: "open",
        mapping: optStr(raw, "mapping"),
        peer: optStr(raw, "peer"),
        ...(egress === undefined ? {} : { egress }),
      };
    }
    default:
      throw new TunnelMessageError(`unknown message type ${JSON.stringify(raw.type)}`);
  }
}

function offers(raw: Record<string, unknown>): MappingOffer[] {
  return list(raw, "mappings").map((m, i) => {
    const o = obj(m, `mappings[${i}]`);
    const mode = str(o, "mode");
    if (!MODES.includes(mode as MappingMode)) {
      throw new TunnelMessageError(`mappings[${i}].mode ${JSON.stringify(mode)} is unknown`);
    }
    const domains = list(o, "domains").map((d, j) => {
      if (typeof d !== "string") throw new TunnelMessageError(`mappings[${i}].domains[${j}]`);
      return d;
    });
    const remoteBind = optStr(o, "remoteBind");
    return {
      name: str(o, "name"),
      mode: mode as MappingMode,
      domains,
      ...(remoteBind === undefined ? {} : { remoteBind }),
    };
  });
}

function egressPolicy(v: unknown): EgressPolicy {
  const o = obj(v, "egress");
  const strings = (key: string) =>
    list(o, key).map((x, i) => {
      if (typeof x !== "string") throw new TunnelMessageError(`egress.${key}[${i}]`);
      return x;
    });
  return {
    flags: strings("flags"),
    targetAllow: strings("targetAllow"),
    targetDeny: strings("targetDeny"),
  };
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new TunnelMessageError(`${what} is not an object`);
  }
  return v as Record<string, unknown>;
}

function list(o: Record<string, unknown>, key: string): unknown[] {
  const v = o[key] ?? [];
  if (!Array.isArray(v)) throw new TunnelMessageError(`${key} is not a list`);
  return v;
}

function str(o: Record<string, unknown>, key: string): string {
  const v = o[key];
  if (typeof v !== "string") throw new TunnelMessageError(`${key} is not a string`);
  return v;
}

function optStr(o: Record<string, unknown>, key: string): string | undefined {
  return o[key] === undefined ? undefined : str(o, key);
}

function int(o: Record<string, unknown>, key: string): number {
  const v = o[key];
  if (!Number.isSafeInteger(v)) throw new TunnelMessageError(`${key} is not an integer`);
  return v as number;
}
