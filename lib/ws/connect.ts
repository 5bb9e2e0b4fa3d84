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
  if (domain === null || !usesDomain(url, domain)) return new WebSocket(url);
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, "");
  const port = u.port !== "" ? Number(u.port) : 80;
  const client = Deno.createHttpClient({ proxy: { transport: "tcp", hostname: host, port } });
  u.hostname = domain;
  const ws = new WebSocket(u.href, { client });
  ws.addEventListener("close", () => client.close(), { once: true });
  return ws;
}

/** An open {@link WebSocketStream} and its streams. */
export interface OpenedWebSocketStream {
  readonly ws: WebSocketStream;
  readonly opened: WebSocketConnection;
}

/**
 * Opens a client `WebSocketStream` (`ws://` or `wss://`) and resolves once the handshake is
 * done; throws {@link WsConnectError}. Unlike a `WebSocket`, it reads a message only when asked,
 * so a bridge can stop reading while the other side is slow. It cannot send a Host apart from
 * the URL: {@link usesDomain} tells when {@link openWebSocket} must be used instead.
 */
export async function openWebSocketStream(
  url: string,
  options: Omit<OpenWebSocketOptions, "domain"> = {},
): Promise<OpenedWebSocketStream> {
  const ac = new AbortController();
  let timedOut = false;
  const timer = startTimer(() => {
    timedOut = true;
    ac.abort();
  }, options.timeout ?? 10_000);
  const ws = new WebSocketStream(url, { signal: ac.signal });
  ws.closed.catch(() => {});
  try {
    return { ws, opened: await ws.opened };
  } catch {
    throw new WsConnectError(url, timedOut ? "timeout" : "failed");
  } finally {
    stopTimer(timer);
  }
}

/** Whether `domain` applies to `url` (a `ws://` URL naming an IP address). */
export function usesDomain(url: string, domain: string | null): boolean {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, "");
  return domain !== null && u.protocol === "ws:" && (isIpv4(host) || isIpv6(host));
}
