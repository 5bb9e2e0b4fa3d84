import { bridge, type BridgeOptions, type BridgeResult } from "./bridge.ts";

/** Options for {@link acceptWsToTcp}. */
export interface WsToTcpOptions extends BridgeOptions {
  /** Opens the TCP side; undefined when no server could be reached (the client gets 502). */
  readonly connect: () => Promise<Deno.Conn | undefined>;
  /** Called with the bridge once the upgrade is answered, to track or log it. @default none */
  readonly onBridge?: (conn: Deno.Conn, done: Promise<BridgeResult>) => void;
}

/**
 * `ws2tcp`, one request of a `Deno.serve` handler: a WebSocket upgrade request connects the
 * TCP side first (502 when it cannot), then is upgraded and bridged (see {@link bridge});
 * any other request gets 426 Upgrade Required.
 */
export async function acceptWsToTcp(request: Request, options: WsToTcpOptions): Promise<Response> {
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    return new Response("426 Upgrade Required: this address bridges WebSocket to TCP\n", {
      status: 426,
      headers: { upgrade: "websocket", "content-type": "text/plain; charset=utf-8" },
    });
  }
  const conn = await options.connect();
  if (conn === undefined) {
    return new Response("502 Bad Gateway: the TCP server cannot be reached\n", {
      status: 502,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  }
  let upgraded: { socket: WebSocket; response: Response };
  try {
    // The bridge watches idleness itself; Deno's ping-based timeout is off.
    upgraded = Deno.upgradeWebSocket(request, { idleTimeout: 0 });
  } catch {
    conn.close();
    return new Response("400 Bad Request: not a valid WebSocket handshake\n", { status: 400 });
  }
  const done = bridge(upgraded.socket, conn, options);
  options.onBridge?.(conn, done);
  return upgraded.response;
}
