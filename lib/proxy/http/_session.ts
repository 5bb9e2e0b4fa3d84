import type { HttpReader } from "../../http/reader.ts";
import type { UpstreamSlot } from "./_upstream.ts";
import type { Watchdog } from "./_watchdog.ts";
import type { ProxyConnContext } from "../types.ts";

/** The state of one client connection of the HTTP proxy, passed through its phases. */
export interface HttpSession {
  readonly client: Deno.TcpConn;
  /** Reads the client; holds bytes received beyond the current request head. */
  readonly reader: HttpReader;
  readonly ctx: ProxyConnContext;
  /** The client's address as `host:port`, for log lines. */
  readonly peer: string;
  readonly upstream: UpstreamSlot;
  readonly watchdog: Watchdog;
  /** When the current request's head was parsed (ms, `performance.now()`), for `/metrics`. */
  started: number;
}
