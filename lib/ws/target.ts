import { formatAddress, parseAddress } from "../net/address.ts";

/** Where a bridge connects: a WebSocket URL or a TCP address. */
export interface WsTarget {
  /** `ws`, `wss` or `tcp`; `null` for a bare `host:port`, which the mode decides. */
  readonly scheme: "ws" | "wss" | "tcp" | null;
  /** Host, without IPv6 brackets. */
  readonly hostname: string;
  /** Port (a WebSocket URL without one gets 80 or 443). */
  readonly port: number;
  /** `host:port`, with brackets for IPv6. */
  readonly addr: string;
  /** The URL as given for `ws`/`wss` (path and query kept), else "". */
  readonly url: string;
}

/**
 * Parses a bridge target: `host:port`, `tcp://host:port`, or a `ws://` / `wss://` URL (path
 * and query kept). Returns undefined when it is none of these.
 */
export function parseWsTarget(text: string): WsTarget | undefined {
  const m = /^(ws|wss|tcp):\/\/(.*)$/i.exec(text);
  if (m === null) {
    const a = parseAddress(text, false);
    return a
      ? { scheme: null, hostname: a.hostname, port: a.port, addr: text, url: "" }
      : undefined;
  }
  const scheme = m[1].toLowerCase() as "ws" | "wss" | "tcp";
  if (scheme === "tcp") {
    const rest = m[2].replace(/\/$/, "");
    const a = parseAddress(rest, false);
    return a ? { scheme, hostname: a.hostname, port: a.port, addr: rest, url: "" } : undefined;
  }
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return undefined;
  }
  if (u.hostname === "" || u.username !== "" || u.password !== "" || u.hash !== "") {
    return undefined;
  }
  const port = u.port !== "" ? Number(u.port) : scheme === "wss" ? 443 : 80;
  const hostname = u.hostname.replace(/^\[|\]$/g, "");
  return { scheme, hostname, port, addr: formatAddress({ hostname, port }), url: u.href };
}
