import { isIpv4, isIpv6 } from "../net/address.ts";
import { startTimer, stopTimer } from "../net/timer.ts";

/** A WebSocket handshake that failed or timed out. */
export class WsConnectError extends Error {
  /** The URL asked for. */
  readonly url: string;
  /** `timeout` when no answer came in time, else `failed`. */
  readonly kind: "timeout" | "failed";

  constructor(url: string, kind: WsConnectError["kind"]) {
    super(`websocket connect to ${url} ${kind === "timeout" ? "timed out" : "failed"}`);
    this.name = "WsConnectError";
    this.url = url;
    this.kind = kind;
  }
}

/** Options for {@link openWebSocket}. */
export interface OpenWebSocketOptions {
  /**
   * `ws://` to an IP address: the name sent as Host while still connecting to that address.
   * Not applied to `wss://`: Deno's WebSocket client cannot choose the TLS name apart from
   * the URL (its HTTP-client route speaks only HTTP/2 for wss), so the address is used for SNI
   * and the certificate check. @default null
   */
  domain?: string | null;
  /** Give up after this many milliseconds. @default 10000 */
  timeout?: number;
}

/**
 * Opens a client WebSocket (`ws://` or `wss://`) and resolves once the handshake is done;
 * throws {@link WsConnectError}. `wss://` certificates are checked against the system roots
 * and the CA file in the `DENO_CERT` environment variable.
 */
export function openWebSocket(
  url: string,
  options: OpenWebSocketOptions = {},
): Promise<WebSocket> {
  const ws = createSocket(url, options.domain ?? null);
  return new Promise((resolve, reject) => {
    const timer = startTimer(() => fail("timeout"), options.timeout ?? 10_000);
    function fail(kind: WsConnectError["kind"]) {
      stopTimer(timer);
      ws.onopen = ws.onerror = ws.onclose = null;
      try {
        ws.close();
      } catch {
        // already failed
      }
      reject(new WsConnectError(url, kind));
    }
    ws.onopen = () => {
      stopTimer(timer);
      ws.onopen = ws.onerror = ws.onclose = null;
      resolve(ws);
    };
    ws.onerror = () => fail("failed");
    ws.onclose = () => fail("failed");
  });
}

/**
 * With a domain for an IP address (ws only), the URL names the domain (Host) and an HTTP
 * client whose "proxy" is a plain TCP address makes the connection go to the IP.
 */
function createSocket(url: string, domain: string | null): WebSocket {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, "");
  if (domain === null || u.protocol !== "ws:" || !(isIpv4(host) || isIpv6(host))) {
    return new WebSocket(url);
  }
  const port = u.port !== "" ? Number(u.port) : 80;
  const client = Deno.createHttpClient({ proxy: { transport: "tcp", hostname: host, port } });
  u.hostname = domain;
  const ws = new WebSocket(u.href, { client });
  ws.addEventListener("close", () => client.close(), { once: true });
  return ws;
}
