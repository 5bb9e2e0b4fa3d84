/**
 * The registry of benchmark cases, in the order `deno task bench` runs them.
 * @module
 */

import type { BenchCase } from "../lib/types.ts";
import { H2_CASE } from "./h2.ts";
import { HTTP_PROXY_CASE } from "./http_proxy.ts";
import { IDLE_CASE } from "./idle.ts";
import { REVERSE_CASE } from "./reverse.ts";
import { SOCKS5_CASE } from "./socks5.ts";
import { STATIC_CASE } from "./static.ts";
import { TCP_CASE } from "./tcp.ts";
import { TUNNEL_CASE } from "./tunnel.ts";
import { UDP_CASE } from "./udp.ts";
import { WS_CASE } from "./ws.ts";

/** Every case; add a new one here. */
export const CASES: readonly BenchCase[] = [
  TCP_CASE,
  UDP_CASE,
  HTTP_PROXY_CASE,
  SOCKS5_CASE,
  REVERSE_CASE,
  STATIC_CASE,
  H2_CASE,
  WS_CASE,
  IDLE_CASE,
  TUNNEL_CASE,
];
