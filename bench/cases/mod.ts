/**
 * The registry of benchmark cases, in the order `deno task bench` runs them.
 * @module
 */

import type { BenchCase } from "../lib/types.ts";
import { TCP_CASE } from "./tcp.ts";
import { UDP_CASE } from "./udp.ts";

/** Every case; add a new one here. */
export const CASES: readonly BenchCase[] = [TCP_CASE, UDP_CASE];
