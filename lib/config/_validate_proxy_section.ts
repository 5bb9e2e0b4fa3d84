import { type Checker, isTable, show, type Table } from "./_checker.ts";
import { CLIENT_TRIGGER_KEYS, TUNNEL_SERVER_KEYS } from "./_tunnel_keys.ts";
import { PROXY_KEYS, validatePlainProxy } from "./_validate_proxy.ts";
import { validateTunnelClient, validateTunnelServer } from "./_validate_tunnel.ts";
import type { KeyPath } from "./locate.ts";
import type { ProxySection, TunnelSection } from "./schema.ts";

/** What a `[proxy]` section is: a plain forward proxy, a tunnel end, or absent (both null). */
export interface ProxyAndTunnel {
  /** The plain forward proxy. */
  readonly proxy: ProxySection | null;
  /** The tunnel end (server or client). */
  readonly tunnel: TunnelSection | null;
}

const NONE: ProxyAndTunnel = { proxy: null, tunnel: null };
const MODE_EXPECTED = '"server" or "client" (no mode: a forward proxy)';

/**
 * Validates `[proxy]`. `mode = "server"` or `"client"` makes it a NAT-traversal tunnel end,
 * as does, without `mode`, a client's `server`, `mappings` or `ts` (wmproxy's `client.toml`
 * has no mode); a tunnel server's keys without `mode` are an error. With no mode and none of
 * those keys it is today's forward proxy, unchanged.
 */
export function validateProxy(c: Checker, raw: unknown): ProxyAndTunnel {
  if (raw === undefined) return NONE;
  const path: KeyPath = ["proxy"];
  if (!isTable(raw)) {
    c.error(path, `${show(raw)} is not a table`, "a [proxy] section");
    return NONE;
  }
  const mode = modeOf(c, raw);
  if (mode === undefined) return NONE;
  if (mode === null) return { proxy: validatePlainProxy(c, raw), tunnel: null };
  const tunnel = mode.mode === "server"
    ? validateTunnelServer(c, raw)
    : validateTunnelClient(c, raw);
  const implied = mode.implied ? ` (mode = "client" implied by ${mode.implied})` : "";
  const unserved = tunnel === null ? [] : notServedYet(tunnel);
  if (unserved.length > 0) {
    c.warn(
      [...path, mode.implied ?? "mode"],
      `tunnel ${mode.mode}${implied}: not served in this version, validated and ignored: ` +
        unserved.join(", "),
    );
  }
  return { proxy: null, tunnel };
}

/** The parts of a tunnel end this version validates but does not serve yet. */
function notServedYet(t: TunnelSection): string[] {
  if (t.mode === "server") return [];
  const out: string[] = [];
  // The reverse proxy that applies a mapping's headers does not write a PROXY header.
  if (t.mappings.some((m) => m.headers.length > 0 && m.send_proxy_protocol !== null)) {
    out.push("mapping headers together with send_proxy_protocol");
  }
  return out;
}

/** The tunnel end `raw` is, null for a plain proxy, undefined when that cannot be told. */
function modeOf(
  c: Checker,
  raw: Table,
): { mode: "server" | "client"; implied?: string } | null | undefined {
  const path: KeyPath = ["proxy", "mode"];
  const set = (k: string) => raw[k] !== undefined && raw[k] !== false;
  if (raw.mode !== undefined) {
    const text = typeof raw.mode === "string" ? raw.mode.toLowerCase() : undefined;
    if (text === "server" || text === "client") return { mode: text };
    return c.error(path, `${show(raw.mode)} is not a tunnel mode`, MODE_EXPECTED);
  }
  const trigger = CLIENT_TRIGGER_KEYS.find(set);
  if (trigger !== undefined) return { mode: "client", implied: trigger };
  const serverKey = TUNNEL_SERVER_KEYS.find((k) => set(k) && !PROXY_KEYS.includes(k));
  if (serverKey !== undefined) {
    return c.error(
      ["proxy", serverKey],
      "is a tunnel server key, but mode is not set",
      'mode = "server" (or no tunnel keys for a forward proxy)',
    );
  }
  return null;
}
